import type { AudioDevices } from './AudioDevices.ts';
import { CallListView } from './CallListView.ts';
import { byId, h } from './elements.ts';
import { causeText, dateTime, duration, lineBadge } from './format.ts';
import { KEY_LETTERS, KEYPAD_KEYS, keyName } from './keypad.ts';
import { numberOf } from './phoneCalls.ts';
import { optionalParam, type JournalEntry } from './protocol.ts';
import type { Softphone } from './Softphone.ts';
import type { ConnectionState } from './SoftphoneTypes.ts';


export interface ViewActions {
  login(user: string, password: string): Promise<void>;
  logout(): void;
  /** Runs a user action, showing its failure in the banner. */
  run(label: string, action: () => Promise<unknown>): void;
  testRing(on: boolean): void;
}

/**
 * The DOM of the softphone: the static skeleton of index.html plus the lines, calls (CallListView) and
 * journal rendered from the Softphone model on every `change`.
 */
export class SoftphoneView {
  readonly #phone: Softphone;
  readonly #devices: AudioDevices;
  readonly #actions: ViewActions;
  readonly #calls: CallListView;
  #journalSignature = '';
  #linesSignature = '';

  constructor(phone: Softphone, devices: AudioDevices, actions: ViewActions) {
    this.#phone = phone;
    this.#devices = devices;
    this.#actions = actions;
    this.#calls = new CallListView(phone, (label, action) => actions.run(label, action));
    this.#bindLogin();
    this.#bindDialer();
    this.#bindDevices();
    byId('logout').addEventListener('click', () => actions.logout());
    byId('calls-clear').addEventListener('click', () => phone.clearEnded());
    byId('journal-refresh').addEventListener('click', () => actions.run('Reloading the journal', () => phone.refreshJournal()));
    phone.addEventListener('change', () => this.render());
    window.setInterval(() => this.#updateLevel(), 200);
  }

  // ------------------------------------------------------------------------------------------------
  // Session

  showLogin(error?: string): void {
    byId('login-view').hidden = false;
    byId('app-view').hidden = true;
    byId('session').hidden = true;
    const err = byId('login-error');
    err.hidden = !error;
    err.textContent = error ?? '';
    const submit = byId<HTMLButtonElement>('login-submit');
    submit.disabled = false;
    submit.textContent = 'Sign in';
    (byId<HTMLInputElement>('login-user').value ? byId<HTMLInputElement>('login-password') : byId<HTMLInputElement>('login-user')).focus();
  }

  showApp(user: string): void {
    byId('login-view').hidden = true;
    byId('app-view').hidden = false;
    byId('session').hidden = false;
    byId('user-name').textContent = user;
    byId<HTMLInputElement>('login-password').value = '';
    byId<HTMLInputElement>('dial-number').focus();
    void this.refreshDevices();
    this.render();
  }

  setConnection(state: ConnectionState, detail = ''): void {
    const el = byId('connection');
    el.dataset.state = state;
    el.textContent = { 'logged-out': 'Offline', connecting: 'Connecting…', connected: 'Online', reconnecting: 'Reconnecting…' }[state];
    this.banner(state === 'reconnecting' ? `Connection to the server lost${detail ? ` (${detail})` : ''}. Reconnecting…` : undefined);
    this.#updateDialButton();
  }

  banner(text: string | undefined): void {
    const el = byId('banner');
    el.hidden = !text;
    el.textContent = text ?? '';
  }

  #bindLogin(): void {
    const form = byId<HTMLFormElement>('login-form');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const user = byId<HTMLInputElement>('login-user').value.trim();
      const password = byId<HTMLInputElement>('login-password').value;
      const err = byId('login-error');
      if (!user || !password) {
        err.hidden = false;
        err.textContent = 'Enter your user name and password.';
        return;
      }
      const submit = byId<HTMLButtonElement>('login-submit');
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      err.hidden = true;
      void this.#actions.login(user, password);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Dialer

  #bindDialer(): void {
    const input = byId<HTMLInputElement>('dial-number');
    const pad = byId('dialpad');
    for (const key of KEYPAD_KEYS) {
      pad.append(h('button', {
        type: 'button',
        class: 'key',
        'data-testid': `dialpad-${keyName(key)}`,
        'aria-label': `Digit ${key}`,
        onclick: () => {
          input.value += key;
          this.#updateDialButton();
          input.focus();
        },
      }, h('span', { class: 'key-digit' }, key), h('span', { class: 'key-letters', 'aria-hidden': 'true' }, KEY_LETTERS[key] ?? '')));
    }
    byId('dial-backspace').addEventListener('click', () => {
      input.value = input.value.slice(0, -1);
      this.#updateDialButton();
      input.focus();
    });
    input.addEventListener('input', () => this.#updateDialButton());
    byId<HTMLFormElement>('dial-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const number = input.value.trim();
      if (!number) return;
      const line = byId<HTMLSelectElement>('dial-line').value || undefined;
      this.#actions.run(`Calling ${number}`, async () => {
        await this.#phone.dial(number, line);
        input.value = '';
        this.#updateDialButton();
      });
    });
  }

  #updateDialButton(): void {
    const online = byId('connection').dataset.state === 'connected';
    byId<HTMLButtonElement>('dial-call').disabled = !online || !byId<HTMLInputElement>('dial-number').value.trim() || this.#phone.lines.length === 0;
  }

  // ------------------------------------------------------------------------------------------------
  // Devices

  #bindDevices(): void {
    const mic = byId<HTMLSelectElement>('device-mic');
    const speaker = byId<HTMLSelectElement>('device-speaker');
    const processing = byId<HTMLInputElement>('audio-processing');
    processing.checked = this.#devices.processing;
    const cameraChoice = byId<HTMLSelectElement>('device-camera');
    cameraChoice.addEventListener('change', () => this.#devices.setCamera(cameraChoice.value));
    const camera = byId<HTMLInputElement>('camera-on-start');
    camera.checked = this.#devices.cameraOnStart;
    camera.addEventListener('change', () => {
      this.#devices.cameraOnStart = camera.checked;
    });
    const videoCalls = byId<HTMLInputElement>('video-calls');
    videoCalls.checked = this.#devices.videoCalls;
    videoCalls.addEventListener('change', () => {
      this.#devices.videoCalls = videoCalls.checked;
    });
    mic.addEventListener('change', () => {
      this.#devices.setMicrophone(mic.value);
      this.#actions.run('Switching the microphone', () => this.#phone.switchMicrophone());
    });
    speaker.addEventListener('change', () => this.#actions.run('Switching the speaker', () => this.#devices.setSpeaker(speaker.value)));
    processing.addEventListener('change', () => {
      this.#devices.processing = processing.checked;
      this.#actions.run('Switching audio processing', () => this.#phone.switchMicrophone());
    });
    let ringing = false;
    const ringButton = byId<HTMLButtonElement>('test-ring');
    ringButton.addEventListener('click', () => {
      ringing = !ringing;
      ringButton.setAttribute('aria-pressed', String(ringing));
      ringButton.textContent = ringing ? 'Stop ring tone' : 'Test ring tone';
      this.#actions.testRing(ringing);
    });
    this.#devices.addEventListener('change', () => void this.refreshDevices());
  }

  /** Fills the microphone and speaker lists (labels need microphone permission first). */
  async refreshDevices(): Promise<void> {
    const err = byId('device-error');
    try {
      const lists = await this.#devices.list();
      const fill = (select: HTMLSelectElement, items: { id: string; label: string }[], current: string, defaultLabel: string): void => {
        select.replaceChildren(h('option', { value: '' }, defaultLabel), ...items.filter((d) => d.id !== 'default').map((d) => h('option', { value: d.id }, d.label)));
        select.value = items.some((d) => d.id === current) ? current : '';
      };
      fill(byId('device-mic'), lists.microphones, this.#devices.microphoneId, 'System default');
      fill(byId('device-speaker'), lists.speakers, this.#devices.speakerId, 'System default');
      fill(byId('device-camera'), lists.cameras, this.#devices.cameraId, 'System default');
      byId<HTMLSelectElement>('device-speaker').disabled = !lists.canChooseSpeaker;
      err.hidden = true;
    } catch (e) {
      err.hidden = false;
      err.textContent = `Audio devices unavailable: ${(e as Error).message}`;
    }
  }

  showDeviceError(text: string | undefined): void {
    const err = byId('device-error');
    err.hidden = !text;
    err.textContent = text ?? '';
  }

  #updateLevel(): void {
    const meter = this.#phone.currentCall?.av?.peer?.meter;
    const bar = byId('level-bar');
    if (!meter) {
      bar.style.width = '0%';
      return;
    }
    const { totalDb } = meter.sample(1000);
    bar.style.width = `${Math.round(Math.min(1, Math.max(0, (totalDb + 90) / 70)) * 100)}%`;
  }

  // ------------------------------------------------------------------------------------------------
  // Rendering

  render(): void {
    this.#renderLines();
    this.#calls.render();
    this.#renderJournal();
    this.#updateDialButton();
    const ringing = this.#phone.calls.find((c) => c.state === 'offering' && c.av?.offer && !c.av.answered && !c.av.ended);
    document.title = ringing ? `☎ ${ringing.remote} calling – ucserver softphone` : 'ucserver softphone';
  }

  #renderLines(): void {
    const lines = this.#phone.lines;
    const signature = JSON.stringify(lines.map((l) => [l.uri, l.name, l.registration, l.openStatus]));
    if (signature === this.#linesSignature) return;
    this.#linesSignature = signature;
    byId('lines').replaceChildren(...(lines.length
      ? lines.map((l) => {
          const badge = lineBadge(l);
          return h('li', { class: 'line', 'data-testid': `line-${l.number}`, 'data-status': l.registration },
            h('span', { class: `dot dot-${badge.tone}`, 'aria-hidden': 'true' }),
            h('span', { class: 'line-number' }, l.number),
            l.name && l.name !== l.number ? h('span', { class: 'line-name' }, l.name) : null,
            h('span', { class: `badge badge-${badge.tone}`, 'data-testid': 'line-status' }, badge.text));
        })
      : [h('li', { class: 'empty' }, 'No line is assigned to you. Ask your administrator.')]));
    const select = byId<HTMLSelectElement>('dial-line');
    const current = select.value;
    select.replaceChildren(...lines.map((l) => h('option', { value: l.uri }, l.name && l.name !== l.number ? `${l.number} – ${l.name}` : l.number)));
    if (lines.some((l) => l.uri === current)) select.value = current;
    select.disabled = lines.length < 2;
  }

  #renderJournal(): void {
    const entries = this.#phone.journal;
    const signature = JSON.stringify(entries.map((e) => [e.u8sConnectionID, e.stStopTime, e.iDurationConnected, optionalParam(e.optionalParams, 'iTransactionID')]));
    if (signature === this.#journalSignature) return;
    this.#journalSignature = signature;
    byId('journal').replaceChildren(...entries.map((e) => this.#journalRow(e)));
    byId('journal-empty').hidden = entries.length > 0;
  }

  #journalRow(e: JournalEntry): HTMLTableRowElement {
    const out = e.iOrigin === 1;
    const cause = optionalParam(e.optionalParams, 'DisconnectCause');
    const path = optionalParam(e.optionalParams, 'MediaPath');
    const video = optionalParam(e.optionalParams, 'Video') === 1;
    const answered = !!e.stConnectTime;
    const running = !e.stStopTime;
    const result = running ? 'In progress' : answered ? causeText(cause === undefined ? 'normal' : String(cause)) : cause !== undefined ? causeText(String(cause)) : out ? 'Not answered' : 'Missed';
    return h('tr', {
      class: !answered && !out && !running ? 'missed' : '',
      'data-testid': 'journal-row',
      'data-connection-id': e.u8sConnectionID,
      'data-direction': out ? 'outbound' : 'inbound',
      'data-duration': e.iDurationConnected,
      'data-cause': cause === undefined ? '' : String(cause),
      'data-media-path': path === undefined ? '' : String(path),
      'data-video': video ? 'true' : 'false',
    },
    h('td', {}, dateTime(e.stStartTime)),
    h('td', {}, h('span', { class: `call-dir ${out ? 'dir-out' : 'dir-in'}`, 'aria-hidden': 'true' }, out ? '↗ ' : '↙ '), out ? 'Outgoing' : 'Incoming'),
    h('td', { 'data-testid': 'journal-number' }, e.u8sContactName ? `${e.u8sContactName} (${e.u8sPhoneNumber})` : e.u8sPhoneNumber),
    h('td', {}, numberOf(e.u8sLineNumber)),
    h('td', { 'data-testid': 'journal-duration' }, answered && !running ? duration(e.iDurationConnected) : '–'),
    h('td', { 'data-testid': 'journal-cause' }, result),
    h('td', { 'data-testid': 'journal-media' }, `${path === undefined ? '' : path === 'direct' ? 'Direct' : 'Via PBX'}${video ? ' · video' : ''}`));
  }
}
