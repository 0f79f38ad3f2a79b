// @ts-check
/** The benchmark's two schemas in valibot. */
import * as v from 'valibot';

export const name = v.pipe(v.string(), v.trim(), v.nonEmpty('Please enter your name.'), v.maxLength(100, 'Use at most 100 characters.'));
export const signup = v.pipe(
  v.object({
    email: v.pipe(v.string(), v.email()),
    password: v.pipe(v.string(), v.minLength(8)),
    confirm: v.string(),
    age: v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(18), v.maxValue(130)),
  }),
  v.forward(
    v.partialCheck([['password'], ['confirm']], (data) => data.password === data.confirm, 'The passwords differ.'),
    ['confirm'],
  ),
);
