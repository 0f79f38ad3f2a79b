/**
 * The check registry, after Django's `django.core.checks.registry`: checks
 * are functions of the loaded settings, registered with tags; deployment
 * checks run only with `manage check --deploy`.
 */
import type { Settings } from '../conf/types.js';
import type { CheckMessage } from './messages.js';

/** A system check: takes the settings, so it can be called with any settings object in a test. */
export type Check = (settings: Readonly<Settings>) => readonly CheckMessage[] | Promise<readonly CheckMessage[]>;

export interface CheckOptions {
  /** Names `manage check --tag` selects the check by, e.g. `security`. */
  readonly tags?: readonly string[];
  /** Runs only with `--deploy`. */
  readonly deploy?: boolean;
}

export interface RegisteredCheck {
  readonly check: Check;
  readonly tags: readonly string[];
  readonly deploy: boolean;
}

export interface RunOptions {
  /** Only the checks with one of these tags; every check when empty or absent. */
  readonly tags?: readonly string[];
  /** Include the deployment checks. */
  readonly deploy?: boolean;
}

export class CheckRegistry {
  readonly #checks: RegisteredCheck[] = [];

  /** Adds a check; registering the same function again replaces its tags. */
  register(check: Check, options: CheckOptions = {}): Check {
    const entry: RegisteredCheck = { check, tags: [...(options.tags ?? [])], deploy: options.deploy ?? false };
    const index = this.#checks.findIndex((registered) => registered.check === check);
    if (index === -1) this.#checks.push(entry);
    else this.#checks[index] = entry;
    return check;
  }

  /** The checks that run with these options, in registration order. */
  checks(options: RunOptions = {}): RegisteredCheck[] {
    const tags = options.tags ?? [];
    return this.#checks.filter(
      (entry) => (options.deploy === true || !entry.deploy) && (tags.length === 0 || entry.tags.some((tag) => tags.includes(tag))),
    );
  }

  /** Every tag, sorted; the deployment checks' tags only when `deploy`. */
  tagsAvailable(deploy = false): string[] {
    return [...new Set(this.checks({ deploy }).flatMap((entry) => entry.tags))].sort();
  }

  tagExists(tag: string, deploy = false): boolean {
    return this.tagsAvailable(deploy).includes(tag);
  }

  /** Runs the selected checks one after another and returns every message, silenced ones included. */
  async run(settings: Readonly<Settings>, options: RunOptions = {}): Promise<CheckMessage[]> {
    const messages: CheckMessage[] = [];
    for (const entry of this.checks(options)) messages.push(...(await entry.check(settings)));
    return messages;
  }
}
