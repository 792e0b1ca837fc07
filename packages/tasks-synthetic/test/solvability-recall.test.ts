import { describeSolvability } from './solvability-check.js';

describeSolvability(['in-context-recall', 'noisy-recall', 'fuzzy-recall']);
