export { main, commands, addCommand, type CommandModule, type Flags } from './main.js';
export { createCliLogger, type OutputMode } from './render.js';
export { synthOptions, commonOptions, toConfig, type OptionSpec } from './options.js';
