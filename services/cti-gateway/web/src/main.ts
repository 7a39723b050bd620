// Composition root of the web softphone: wires the connection, the model, the audio parts and the view.
import { AudioDevices } from './AudioDevices.ts';
import { EnetucConnection } from './EnetucConnection.ts';
import { EnetucError } from './EnetucError.ts';
import { Presence } from './Presence.ts';
import { PresenceView } from './PresenceView.ts';
import { RingTone } from './RingTone.ts';
import { Softphone } from './Softphone.ts';
import type { ConnectionState } from './SoftphoneTypes.ts';
import { SoftphoneView } from './SoftphoneView.ts';
import { installTestHook } from './testHook.ts';

/** AsnLogonError details of a refused sign-in: unknown user or wrong password, not enabled, locked, token expired. */
const REFUSED_LOGIN = new Set([101, 107, 129, 130]);

const params = new URLSearchParams(location.search);
const processingParam = params.get('audioProcessing');
// reattach=off: calls end with the connection to the server, as with any ENetUC client (no re-attach).
const reattachCalls = params.get('reattach') !== 'off';
const devices = new AudioDevices(processingParam === null ? {} : { processing: processingParam !== '0' && processingParam !== 'off' });
let context: AudioContext | undefined;
const audioContext = (): AudioContext => (context ??= new AudioContext({ latencyHint: 'interactive' }));
const ring = new RingTone(audioContext);
const phone = new Softphone({ devices, ring, audioContext });

let connection: EnetucConnection | undefined;
/**
 * Who is signed in, and the login token of the last session: a reconnect opens with it, so the password
 * lives only as long as the first sign-in (and a gateway's restart costs the server no password checks).
 */
let credentials: { user: string; token: string | undefined; password?: string } | undefined;
let state: ConnectionState = 'logged-out';
let reconnectTimer: number | undefined;
let reconnectAttempt = 0;

function run(label: string, action: () => Promise<unknown>): void {
  action().then(() => {
    if (state === 'connected') view.banner(undefined);
  }, (err: unknown) => {
    console.warn(`ucserver: ${label} failed`, err);
    view.banner(`${label} failed: ${(err as Error).message ?? String(err)}`);
  });
}

const view = new SoftphoneView(phone, devices, {
  login: (user, password) => login(user, password),
  logout,
  run,
  testRing: (on) => {
    audioContext();
    ring.play(on ? 'ring' : 'off');
  },
});

const presence = new Presence();
const presenceView = new PresenceView(presence, {
  run,
  call: (number) => phone.dial(number),
  pickup: (number) => phone.pickup(number),
  lines: () => phone.lines,
});
phone.addEventListener('change', () => presenceView.render());

installTestHook(phone, () => ({ connection: state, user: credentials?.user, ringing: ring.pattern, signInWith: credentials ? (credentials.token ? 'token' : 'password') : undefined }));

function setState(next: ConnectionState, detail?: string): void {
  state = next;
  view.setConnection(next, detail);
}

async function login(user: string, password: string): Promise<void> {
  audioContext(); // created inside the click, so the browser lets it play (ring tone, level meter)
  setState('connecting');
  try {
    const conn = await EnetucConnection.open(new URL(location.href), { user, password });
    // A server without login tokens leaves only the password to reconnect with.
    credentials = conn.token ? { user, token: conn.token } : { user, token: undefined, password };
    view.showApp(user);
    await attach(conn);
    void primeMicrophone();
  } catch (err) {
    const conn = connection;
    connection = undefined;
    conn?.close();
    phone.reset();
    setState('logged-out');
    credentials = undefined;
    view.showLogin((err as Error).message);
  }
}

/** Asks for the microphone once, so device names appear and the first call does not wait for a prompt. */
async function primeMicrophone(): Promise<void> {
  try {
    const stream = await devices.microphone();
    stream.getTracks().forEach((t) => t.stop());
    view.showDeviceError(undefined);
  } catch (err) {
    view.showDeviceError(`No microphone: ${(err as Error).message}. You can still see and control calls.`);
  }
  await view.refreshDevices();
}

async function attach(conn: EnetucConnection): Promise<void> {
  connection = conn;
  conn.addEventListener('close', (e) => {
    if (connection !== conn) return;
    connection = undefined;
    const reason = (e as CustomEvent<string>).detail;
    // Answered calls keep their media (it never crosses the gateway) and are re-attached after the reconnect.
    phone.detach(`connection lost: ${reason}`, { keepCalls: reattachCalls && !!credentials });
    presence.detach();
    if (credentials) scheduleReconnect(reason);
  });
  await phone.start(conn);
  if (credentials) await presence.start(conn, credentials.user);
  reconnectAttempt = 0;
  setState('connected');
}

function scheduleReconnect(reason: string): void {
  setState('reconnecting', reason);
  window.clearTimeout(reconnectTimer);
  const delay = [1000, 2000, 5000, 10_000][Math.min(reconnectAttempt, 3)]!;
  reconnectAttempt += 1;
  reconnectTimer = window.setTimeout(async () => {
    const who = credentials;
    if (!who) return;
    try {
      const conn = await EnetucConnection.open(new URL(location.href), who.token ? { token: who.token } : { user: who.user, password: who.password ?? '' });
      if (conn.token) who.token = conn.token;
      await attach(conn);
    } catch (err) {
      if (connection) connection.close();
      connection = undefined;
      if (credentials !== who) return;
      // The server answered and refused the token (expired, the password changed, the user was disabled):
      // retrying cannot help, the user signs in again. Anything else (unreachable, restarting) is retried.
      if (err instanceof EnetucError && REFUSED_LOGIN.has(err.detail)) {
        logout(`Signed out: ${err.text}. Sign in again.`);
        return;
      }
      scheduleReconnect((err as Error).message);
    }
  }, delay);
}

function logout(message?: string): void {
  credentials = undefined;
  window.clearTimeout(reconnectTimer);
  const conn = connection;
  connection = undefined;
  conn?.close();
  phone.reset();
  presence.detach();
  ring.stop();
  setState('logged-out');
  view.showLogin(message);
}

const presetUser = params.get('user');
if (presetUser) (document.getElementById('login-user') as HTMLInputElement).value = presetUser;
view.showLogin();
