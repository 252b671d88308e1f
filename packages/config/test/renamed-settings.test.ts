import { loadConfig, renamedSettingWarnings } from '../src';

describe('settings renamed for both job kinds', () => {
  it('still reads each old EXPORT_* name into its JOB_* setting when the new one is unset', () => {
    const config = loadConfig({
      EXPORT_TIMEOUT_HOURS: '2',
      EXPORT_RETENTION_HOURS: '0',
      EXPORT_STATUS_MIN_INTERVAL_SECONDS: '5',
    });
    expect(config).toMatchObject({ JOB_TIMEOUT_HOURS: 2, JOB_RETENTION_HOURS: 0, JOB_STATUS_MIN_INTERVAL_SECONDS: 5 });
  });

  it('takes the new name over the old one when both are set', () => {
    expect(loadConfig({ EXPORT_RETENTION_HOURS: '1', JOB_RETENTION_HOURS: '3' }).JOB_RETENTION_HOURS).toBe(3);
  });

  it('reports an invalid value under the name the operator wrote', () => {
    expect(() => loadConfig({ EXPORT_TIMEOUT_HOURS: 'soon' })).toThrow(/EXPORT_TIMEOUT_HOURS="soon"/);
    expect(() => loadConfig({ JOB_TIMEOUT_HOURS: 'soon' })).toThrow(/JOB_TIMEOUT_HOURS="soon"/);
  });

  it('warns once per old name in use, naming the setting to use and never the value', () => {
    const warnings = renamedSettingWarnings({ EXPORT_STATUS_MIN_INTERVAL_SECONDS: '12345', LOG_LEVEL: 'info' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /EXPORT_STATUS_MIN_INTERVAL_SECONDS is deprecated.*set JOB_STATUS_MIN_INTERVAL_SECONDS/,
    );
    expect(warnings[0]).not.toContain('12345');
  });

  it('says an old name is ignored when the new one is set too', () => {
    expect(renamedSettingWarnings({ EXPORT_TIMEOUT_HOURS: '2', JOB_TIMEOUT_HOURS: '3' })).toEqual([
      expect.stringMatching(/EXPORT_TIMEOUT_HOURS is deprecated and ignored, since JOB_TIMEOUT_HOURS is set/),
    ]);
  });

  it('warns of nothing when only the new names are set, or an old one is empty', () => {
    expect(renamedSettingWarnings({ JOB_TIMEOUT_HOURS: '3', EXPORT_RETENTION_HOURS: '' })).toEqual([]);
  });
});
