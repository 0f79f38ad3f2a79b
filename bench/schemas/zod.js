// @ts-check
/** The benchmark's two schemas in zod v4 (the full API). */
import * as z from 'zod';

export const name = z.string().trim().min(1, 'Please enter your name.').max(100, 'Use at most 100 characters.');
export const signup = z
  .object({ email: z.email(), password: z.string().min(8), confirm: z.string(), age: z.coerce.number().int().min(18).max(130) })
  .refine((data) => data.password === data.confirm, { message: 'The passwords differ.', path: ['confirm'] });
