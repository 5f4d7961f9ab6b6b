import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has embedded defaults: port 3000, SQLite under ./data, WhatsApp itself', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, waServerUrl: undefined, maxInstances: 100 });
    expect(c.databaseUrl).toMatch(/^sqlite:\/\/.*data\/zapgate\.db$/);
    expect(c.sqliteSynchronous).toBe('normal');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'full' }).sqliteSynchronous).toBe('full');
    expect(c.databasePoolMax).toBe(10);
    expect(loadConfig({ DATABASE_POOL_MAX: '25' }).databasePoolMax).toBe(25);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the variable to fix', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be an integer/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' })).toThrow(/SQLITE_SYNCHRONOUS must be one of/);
    expect(() => loadConfig({ DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX must be an integer ≥ 1/);
    expect(() => loadConfig({ WA_SERVER_URL: 'ws://127.0.0.1:1/ws/chat' })).toThrow(/go together/);
    expect(() => loadConfig({ WA_SERVER_URL: 'http://x', WA_SERVER_ROOT_KEY: 'a' })).toThrow(/ws:\/\//);
    expect(() => loadConfig({ WA_SERVER_URL: 'ws://x', WA_SERVER_ROOT_KEY: 'abc' })).toThrow(/32-byte/);
  });
});
