import { ConfigError, loadConfig } from '../src';

describe('loadConfig', () => {
  it('defaults every service to the local stack', () => {
    const config = loadConfig({});
    expect(config.MONGODB_URL).toBe('mongodb://127.0.0.1:27017/');
    expect(config.S3_ENDPOINT).toBe('http://127.0.0.1:7070');
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.S3_FORCE_PATH_STYLE).toBe(true);
    expect(config.API_PORT).toBe(8080);
  });

  it('takes a replacement service from the environment', () => {
    const config = loadConfig({
      MONGODB_URL: 'mongodb://db.example:27018/',
      S3_FORCE_PATH_STYLE: 'false',
      API_PORT: '9000',
    });
    expect(config.MONGODB_URL).toBe('mongodb://db.example:27018/');
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
    expect(config.API_PORT).toBe(9000);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ S3_BUCKET: '' }).S3_BUCKET).toBe('fhir-bulk');
  });

  it('names every bad variable in one readable error', () => {
    let error: unknown;
    try {
      loadConfig({ MONGODB_URL: 'postgres://x', TEMPORAL_ADDRESS: 'nohost', API_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^MONGODB_URL="postgres:\/\/x": must start with mongodb:\/\//m);
    expect(problems).toMatch(/^TEMPORAL_ADDRESS="nohost": must be host:port/m);
    expect(problems).toMatch(/^API_PORT="70000"/m);
  });
});
