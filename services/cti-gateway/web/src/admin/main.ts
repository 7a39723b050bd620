// The admin console (/admin): sign-in with an admin user's password, then eight pages over the admin API,
// kept current by its event stream. The token lives in sessionStorage (this tab only).
import { byId } from '../elements.js';
import { AdminApi, AdminApiError } from './AdminApi.js';
import { callsPage } from './callsPage.js';
import { capturesPage } from './captures.js';
import { journalPage } from './journalPage.js';
import { linesPage } from './linesPage.js';
import { LiveStore } from './LiveStore.js';
import { nodesPage } from './nodesPage.js';
import { pickupGroupsPage } from './pickupGroupsPage.js';
import { systemPage } from './systemPage.js';
import type { Page, PageContext } from './ui.js';
import { usersPage } from './usersPage.js';

const PAGES: Record<string, () => Page> = { users: usersPage, lines: linesPage, pickup: pickupGroupsPage, calls: callsPage, captures: capturesPage, nodes: nodesPage, journal: journalPage, system: systemPage };
const TOKEN_KEY = 'ucs-admin-token';
const NAME_KEY = 'ucs-admin-login';

const live = new LiveStore();
let api: AdminApi | undefined;
let stream: AbortController | undefined;
let current: Page | undefined;

function notify(message: string, kind: 'ok' | 'error' = 'error'): void {
  const banner = byId('banner');
  banner.textContent = message;
  banner.dataset.kind = kind;
  banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  banner.hidden = false;
}

function signOut(): void {
  stream?.abort();
  stream = undefined;
  api = undefined;
  current?.leave?.();
  current = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  byId('app-view').hidden = true;
  byId('session').hidden = true;
  byId('login-view').hidden = false;
  byId<HTMLInputElement>('login-user').focus();
}

function signIn(token: string, login: string): void {
  api = new AdminApi(token, () => {
    signOut();
    showLoginError('Your session ended; sign in again.');
  });
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  byId('session').hidden = false;
  byId('user-name').textContent = login;
  stream = new AbortController();
  const state = byId('live');
  void api.follow((kind, data) => {
    live.apply(kind, data);
    if (kind === 'calls') byId('calls-count').textContent = String(live.calls.length);
  }, (up) => {
    state.dataset.state = up ? 'live' : 'off';
    state.textContent = up ? 'Live' : 'Reconnecting…';
  }, stream.signal);
  void show();
}

function showLoginError(text: string): void {
  const el = byId('login-error');
  el.textContent = text;
  el.hidden = false;
}

async function show(): Promise<void> {
  if (!api) return;
  const name = location.hash.replace(/^#/, '') || 'calls';
  const make = PAGES[name] ?? PAGES.calls!;
  current?.leave?.();
  const main = byId('main');
  main.replaceChildren();
  delete main.dataset.ready;
  byId('banner').hidden = true;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('.nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const page = make();
  current = page;
  document.title = `${page.title} · ucserver admin`;
  main.dataset.page = name;
  const ctx: PageContext = { api, live, main, notify };
  main.append(Object.assign(document.createElement('h2'), { className: 'page-title', textContent: page.title }));
  try {
    await page.render(ctx);
  } catch (err) {
    notify((err as Error).message);
  }
  main.dataset.ready = 'true';
}

byId<HTMLFormElement>('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const login = byId<HTMLInputElement>('login-user').value.trim();
  const password = byId<HTMLInputElement>('login-password').value;
  byId('login-error').hidden = true;
  if (!login || !password) {
    showLoginError('Enter your user name and password.');
    return;
  }
  AdminApi.login(login, password).then((r) => {
    byId<HTMLInputElement>('login-password').value = '';
    sessionStorage.setItem(TOKEN_KEY, r.token);
    sessionStorage.setItem(NAME_KEY, r.login);
    signIn(r.token, r.login);
  }, (err: unknown) => {
    showLoginError(err instanceof AdminApiError && err.status === 403 ? 'This account is not an administrator.' : err instanceof AdminApiError && err.status === 401 ? 'Unknown user or wrong password.' : (err as Error).message);
  });
});
byId('logout').addEventListener('click', signOut);
window.addEventListener('hashchange', () => {
  void show().then(() => byId('main').focus());
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved, sessionStorage.getItem(NAME_KEY) ?? '');
else byId<HTMLInputElement>('login-user').focus();
