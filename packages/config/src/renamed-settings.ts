/**
 * Settings renamed when imports came to share them (issue 13), by old name. For one release the old name is still
 * read when the new one is unset; each service logs `renamedSettingWarnings` at start so operators move over.
 */
export const RENAMED_SETTINGS: Readonly<Record<string, string>> = {
  EXPORT_TIMEOUT_HOURS: 'JOB_TIMEOUT_HOURS',
  EXPORT_RETENTION_HOURS: 'JOB_RETENTION_HOURS',
  EXPORT_STATUS_MIN_INTERVAL_SECONDS: 'JOB_STATUS_MIN_INTERVAL_SECONDS',
};

type Settings = Record<string, string>;

/**
 * `present` with each old name's value under its new name where the new one is unset, and for every setting the
 * variable it was read from (so an invalid value is reported under the name the operator wrote).
 */
export function withRenamedSettings(present: Settings): { settings: Settings; readFrom: Map<string, string> } {
  const settings = { ...present };
  const readFrom = new Map<string, string>();
  for (const [oldName, newName] of Object.entries(RENAMED_SETTINGS)) {
    delete settings[oldName];
    if (present[oldName] === undefined || present[newName] !== undefined) continue;
    settings[newName] = present[oldName];
    readFrom.set(newName, oldName);
  }
  return { settings, readFrom };
}

/** One line per old name still set, naming the setting to use instead; never a value (some settings are secrets). */
export function renamedSettingWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  const isSet = (name: string) => env[name] !== undefined && env[name] !== '';
  return Object.entries(RENAMED_SETTINGS)
    .filter(([oldName]) => isSet(oldName))
    .map(([oldName, newName]) =>
      isSet(newName)
        ? `${oldName} is deprecated and ignored, since ${newName} is set: remove ${oldName}`
        : `${oldName} is deprecated and will not be read after this release: set ${newName} instead`,
    );
}
