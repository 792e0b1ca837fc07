import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl, redactText } from '../src/redis-url.js';

describe('Redis URLs', () => {
  it.each([
    ['redis://:s3cret@host:6379/0', 'redis://***@host:6379/0'],
    ['redis://user:s3cret@host:6379/0', 'redis://***@host:6379/0'],
    ['rediss://default:p%40ss@cache.example:6380/2', 'rediss://***@cache.example:6380/2'],
    ['redis://host:6379/0', 'redis://host:6379/0'],
  ])('redacts %s', (url, redacted) => {
    expect(redactRedisUrl(url)).toBe(redacted);
    expect(parseRedisUrl(url).redacted).toBe(redacted);
  });

  it('turns on TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://h:1/0').tls).toBe(true);
    expect(parseRedisUrl('redis://h:1/0').tls).toBe(false);
  });

  it.each([
    ['http://:s3cret@host:6379', /scheme is 'http'/],
    ['redis://:s3cret@host:6379/zero', /database 'zero' is not a number/],
    ['not a url s3cret', /not a URL/],
    ['', /empty/],
  ])('refuses %j in one line without its password', (url, why) => {
    let message = '';
    try {
      parseRedisUrl(url);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(why);
    expect(message).toMatch(/^Queue option 'queue' must be a Redis URL/);
    expect(message).not.toContain('\n');
    if (url.includes('@')) expect(message).not.toContain('s3cret');
  });

  it('redacts URLs and the password itself inside any text', () => {
    const t = parseRedisUrl('redis://:hunter22@127.0.0.1:6379/0');
    expect(redactText('connect to redis://:hunter22@127.0.0.1:6379/0 failed: WRONGPASS hunter22', t)).toBe('connect to redis://***@127.0.0.1:6379/0 failed: WRONGPASS ***');
  });
});
