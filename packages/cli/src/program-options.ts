import { Option } from 'commander';
import { BACKENDS, defaultBackend } from '@deconattn/core';

export const collect = (v: string, prev: string[] = []) => [...prev, v];

export const backendOption = () => new Option('--backend <name>', 'tfjs backend').choices([...BACKENDS]).default(defaultBackend());
export const pluginOption = () => new Option('--plugin <package-or-path>', 'load a mixer plugin (repeatable)').argParser(collect);
