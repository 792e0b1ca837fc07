import { describeSolvability } from './solvability-check.js';

// The tasks that need no induction circuit (plus MQAR); the recall tasks are in solvability-recall.test.ts, so two workers share the load.
describeSolvability(['mqar', 'selective-copying', 'memorization', 'compression']);
