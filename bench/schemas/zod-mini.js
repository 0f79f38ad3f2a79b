// @ts-check
/** The benchmark's two schemas in zod v4's tree-shakable `zod/mini`. */
import * as z from 'zod/mini';

export const name = z.string().check(z.trim(), z.minLength(1, 'Please enter your name.'), z.maxLength(100, 'Use at most 100 characters.'));
export const signup = z
  .object({ email: z.email(), password: z.string().check(z.minLength(8)), confirm: z.string(), age: z.coerce.number().check(z.int(), z.gte(18), z.lte(130)) })
  .check(z.refine((data) => data.password === data.confirm, { message: 'The passwords differ.', path: ['confirm'] }));
