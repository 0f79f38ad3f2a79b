// @ts-check
/** The benchmark's two schemas in arktype. */
import { type } from 'arktype';

export const name = type('string.trim').to('0 < string <= 100');
export const signup = type({ email: 'string.email', password: 'string >= 8', confirm: 'string', age: type('string.integer.parse').to('18 <= number <= 130') }).narrow(
  (data, ctx) => data.password === data.confirm || ctx.reject({ message: 'The passwords differ.', path: ['confirm'] }),
);
