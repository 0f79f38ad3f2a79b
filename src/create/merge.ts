/** Line-based three-way merge (node-diff3), with git's conflict markers where both sides changed the same lines. */
import { merge } from 'node-diff3';

export interface MergeOutcome {
  text: string;
  conflict: boolean;
}

/** Merges `theirs` (the new template) into `ours` (the user's file), both changed from `base`. */
export function mergeText(ours: string, base: string, theirs: string, theirsLabel: string): MergeOutcome {
  const lines = (text: string) => text.split('\n');
  const { conflict, result } = merge(lines(ours), lines(base), lines(theirs), {
    excludeFalseConflicts: true,
    label: { a: 'yours', b: theirsLabel },
  });
  return { text: result.join('\n'), conflict };
}
