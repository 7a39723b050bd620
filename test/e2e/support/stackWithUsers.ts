// The set-up every scenario file shares: one E2eStack for the whole file, a Chromium softphone per user
// (A's microphone plays 440 Hz, B's 1000 Hz, so a test can tell who is heard), each user signed in.
import { after, before } from 'node:test';
import type { BrowserUser } from './BrowserUser.ts';
import { ALICE, BOB, CAROL, E2eStack, type E2eStackOptions, type E2eUser } from './E2eStack.ts';

/** The tone of each user's fake microphone. */
const TONE_HZ: ReadonlyMap<string, number> = new Map([[ALICE.login, 440], [BOB.login, 1000], [CAROL.login, 700]]);

export interface StackWithUsersOptions extends E2eStackOptions {
  /** Sign every user in before the first test. Default true. */
  login?: boolean;
  /**
   * The file's own set-up, run last in the same `before` hook (Node runs top-level `before` hooks
   * registered after a top-level await at once, side by side, so a second hook would not wait for the
   * stack). What it starts can join the teardown with `stack.onStop()`.
   */
  setUp?: (stack: E2eStack) => Promise<void>;
}

/** What the file's tests use; read it inside tests (the hooks fill it). */
export interface StackWithUsers {
  readonly stack: E2eStack;
  /** A's softphone (line 100). */
  readonly alice: BrowserUser;
  /** B's softphone (line 101). */
  readonly bob: BrowserUser;
  /** The softphone of any user of `options.users`. */
  user(user: E2eUser): BrowserUser;
}

/**
 * Registers the file's `before` hook (start the stack, open a softphone per user of
 * `options.users` — default A and B — sign each in, then `options.setUp`) and its `after` hook (stop
 * the stack, browsers and whatever joined with `stack.onStop()` included). Call it once, at the top
 * level of the test file; the file registers no hooks of its own.
 */
export function stackWithUsers(options: StackWithUsersOptions): StackWithUsers {
  const { login = true, setUp, ...stackOptions } = options;
  const users: E2eUser[] = stackOptions.users ?? [ALICE, BOB];
  let stack: E2eStack | undefined;
  const browsers = new Map<string, BrowserUser>();

  before(async () => {
    stack = await E2eStack.start(stackOptions);
    for (const user of users) {
      const toneHz = TONE_HZ.get(user.login);
      if (toneHz === undefined) throw new Error(`no microphone tone for user ${user.login} (known: ${[...TONE_HZ.keys()].join(', ')})`);
      browsers.set(user.login, await stack.browser(user, toneHz));
    }
    if (login) for (const user of users) await browsers.get(user.login)!.login();
    await setUp?.(stack);
  });

  after(async () => {
    await stack?.stop();
  });

  const browser = (user: E2eUser): BrowserUser => {
    const b = browsers.get(user.login);
    if (!b) throw new Error(`no softphone of ${user.login} in '${options.scenario}' (users: ${users.map((u) => u.login).join(', ')}; is it read before the before hook ran?)`);
    return b;
  };
  return {
    get stack(): E2eStack {
      if (!stack) throw new Error(`the stack of '${options.scenario}' is not up (is it read before the before hook ran?)`);
      return stack;
    },
    get alice(): BrowserUser {
      return browser(ALICE);
    },
    get bob(): BrowserUser {
      return browser(BOB);
    },
    user: browser,
  };
}
