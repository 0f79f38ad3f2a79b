export { Client, TestResponse, type RequestOptions } from './client.js';
