// The esbuild case's entry: the package by its name, bundled.
import { createPlanClient } from 'planwire';
import { start } from './start.js';

start(createPlanClient);
