export { loadConfig, ConfigError } from './config';
export type { Config } from './config';
