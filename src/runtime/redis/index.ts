/**
 * Redis connections for tsgate's cache, rate limits and tasks (not a public
 * entry of its own): URLs, one shared client per URL per process, and a
 * client that survives the server going away.
 */
export { closeRedis, redisClient, RedisError, whenReady, type RedisClient } from './client.js';
export { parseRedisUrl, RedisUrlError, type RedisTarget } from './url.js';
