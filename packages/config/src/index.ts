export { loadConfig, ConfigError } from './config';
export type { Config } from './config';
export { renamedSettingWarnings } from './renamed-settings';
export { parseMasterKeys, type MasterKey } from './master-keys';
