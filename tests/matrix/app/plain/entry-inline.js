// The esbuild-inline case's entry: the package by its name, bundled, with the module inlined in the
// bundle (`planwire/inline`) instead of a file to serve.
import 'planwire/inline';
import { createPlanClient } from 'planwire';
import { start } from './start.js';

start(createPlanClient);
