/** Programmatic entry: start a server with an explicit list of plugin declarations (spec 01 §5.2). */
export { startServer, type RunningServer, type StartOptions } from './startServer.js';
export { loadBundledPlugins } from './bundledPlugins.js';
export type { ServerConfig } from './config/serverConfig.js';
