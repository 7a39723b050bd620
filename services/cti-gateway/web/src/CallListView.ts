import { h, byId } from './elements.ts';
import { causeText, duration, stateText } from './format.ts';
import { KEYPAD_KEYS, keyName } from './keypad.ts';
import { isEnded, numberOf } from './phoneCalls.ts';
import type { Softphone } from './Softphone.ts';
import type { PhoneCall } from './SoftphoneTypes.ts';

/** How long after its end the server lets a busy or unanswered call be completed (CallCompletion's offer window). */
const CALLBACK_OFFER_MS = 120_000;

/**
 * The call list of the page: one row per call with its state, timer and actions (answer, reject, hold,
 * resume, transfer, consult / swap / complete transfer, call back when free, hang up, the tone keypad). Rows
 * are updated in place (keyed by call) so focus and an open keypad survive updates; the timers tick once a
 * second while a call is connected or held.
 */
export class CallListView {
  readonly #phone: Softphone;
  /** Runs a user action, showing its failure in the banner. */
  readonly #run: (label: string, action: () => Promise<unknown>) => void;
  readonly #callRows = new Map<string, { el: HTMLLIElement; signature: string }>();
  readonly #keypadOpen = new Set<string>();
  /**
   * Calls whose transfer form is open, with the number typed so far: a row is redrawn whenever its call
   * changes (the far end holds, ICE settles), and what the user typed must survive that.
   */
  readonly #transferOpen = new Map<string, string>();
  #ticker: number | undefined;

  constructor(phone: Softphone, run: (label: string, action: () => Promise<unknown>) => void) {
    this.#phone = phone;
    this.#run = run;
  }

  render(): void {
    this.#renderRows();
    const running = this.#phone.calls.some((c) => c.state === 'connected' || c.state === 'held');
    if (running && this.#ticker === undefined) this.#ticker = window.setInterval(() => this.#tick(), 1000);
    if (!running && this.#ticker !== undefined) {
      window.clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** Updates the call rows in place (a row is rebuilt only when what it shows changed). */
  #renderRows(): void {
    const list = byId('calls');
    const calls = this.#phone.calls;
    const keep = new Set(calls.map((c) => c.key));
    for (const [key, row] of this.#callRows) {
      if (!keep.has(key)) {
        row.el.remove();
        this.#callRows.delete(key);
        this.#keypadOpen.delete(key);
        this.#transferOpen.delete(key);
      }
    }
    calls.forEach((call, index) => {
      const signature = this.#callSignature(call);
      let row = this.#callRows.get(call.key);
      if (!row) {
        row = { el: h('li', { class: 'call' }), signature: '' };
        this.#callRows.set(call.key, row);
      }
      if (row.signature !== signature) {
        const focused = row.el.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.testid : undefined;
        this.#fillCall(row.el, call);
        row.signature = signature;
        if (focused) row.el.querySelector<HTMLElement>(`[data-testid="${focused}"]`)?.focus();
      }
      if (list.children[index] !== row.el) list.insertBefore(row.el, list.children[index] ?? null);
    });
    byId('calls-empty').hidden = calls.length > 0;
    byId('calls-clear').hidden = !calls.some(isEnded);
  }

  #callSignature(c: PhoneCall): string {
    const peer = c.av?.peer;
    return JSON.stringify([c.key, c.id, c.state, c.cause, c.pickedUpBy, c.pickedUpFrom, c.mediaPath, c.holdSide, c.conference, c.error, c.remote, c.remoteName, c.av?.answered, c.av?.ended, !!c.av?.offer, c.completable, c.callback, c.isCallback, this.#keypadOpen.has(c.key), this.#transferOpen.has(c.key), this.#phone.otherCallOnLine(c.key)?.state, peer?.iceState, peer?.hasVideo, peer?.cameraOn, peer?.remoteVideo?.id]);
  }

  #fillCall(el: HTMLLIElement, call: PhoneCall): void {
    const ended = isEnded(call);
    const out = call.direction === 'outbound';
    el.className = `call call-${call.state}${ended ? ' call-ended' : ''}`;
    el.dataset.testid = 'call-item';
    el.dataset.callId = call.id ?? '';
    el.dataset.state = call.state;
    el.dataset.direction = call.direction;
    el.setAttribute('aria-label', `${out ? 'Outgoing call to' : 'Incoming call from'} ${call.remote}: ${stateText(call)}`);

    const run = (label: string, fn: () => Promise<unknown>) => () => this.#run(label, fn);
    const button = (testid: string, text: string, label: string, cls: string, fn: () => Promise<unknown>): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn ${cls}`, 'data-testid': testid, 'aria-label': label, onclick: run(label, fn) }, text);

    const actions: HTMLElement[] = [];
    const ringingHere = call.state === 'offering' && !ended;
    const ending = !!call.av?.ended && !ended;
    if (ending) {
      // hung up here or dropped by the server: waiting for the server to confirm
    } else if (ringingHere && !call.av?.answered) {
      actions.push(button('call-answer', 'Answer', `Answer the call from ${call.remote}`, 'btn-call', () => this.#phone.answer(call.key)));
      actions.push(button('call-reject', 'Reject', `Reject the call from ${call.remote}`, 'btn-hangup', () => this.#phone.reject(call.key)));
    } else if (!ended && call.state !== 'disconnected') {
      if (call.state === 'connected') {
        actions.push(button('call-hold', 'Hold', 'Put the call on hold', 'btn-quiet', () => this.#phone.hold(call.key, true)));
        actions.push(h('button', {
          type: 'button',
          class: 'btn btn-quiet',
          'data-testid': 'call-keypad',
          'aria-label': 'Show the keypad for tones',
          'aria-expanded': String(this.#keypadOpen.has(call.key)),
          onclick: () => {
            if (this.#keypadOpen.has(call.key)) this.#keypadOpen.delete(call.key);
            else this.#keypadOpen.add(call.key);
            this.render();
          },
        }, 'Keypad'));
        actions.push(h('button', {
          type: 'button',
          class: 'btn btn-quiet',
          'data-testid': 'call-transfer',
          'aria-label': 'Transfer the call to another number',
          'aria-expanded': String(this.#transferOpen.has(call.key)),
          onclick: () => {
            if (this.#transferOpen.has(call.key)) this.#transferOpen.delete(call.key);
            else this.#transferOpen.set(call.key, '');
            this.render();
            this.#callRows.get(call.key)?.el.querySelector<HTMLInputElement>('[data-testid="call-transfer-number"]')?.focus();
          },
        }, 'Transfer'));
        actions.push(button('call-consult', 'Consult', 'Hold this call and dial another number (then Swap or Complete transfer)', 'btn-quiet', async () => {
          await this.#phone.hold(call.key, true);
          byId<HTMLInputElement>('dial-number').focus();
        }));
      }
      if (call.av?.peer?.hasVideo && (call.state === 'connected' || call.state === 'held')) {
        const on = call.av.peer.cameraOn;
        actions.push(h('button', {
          type: 'button',
          class: 'btn btn-quiet',
          'data-testid': 'call-camera',
          'aria-pressed': String(on),
          'aria-label': on ? 'Switch the camera off' : 'Switch the camera on',
          onclick: run(on ? 'Switching the camera off' : 'Switching the camera on', () => this.#phone.setCamera(!on, call.key)),
        }, 'Camera'));
      }
      if (call.av?.peer && call.state === 'connected') {
        // Renegotiates: Start video adds a video m-line (the far end is re-offered), Stop video sets it to port 0.
        const peer = call.av.peer;
        actions.push(peer.hasVideo
          ? button('call-video-stop', 'Stop video', 'Stop video: the call goes on with audio', 'btn-quiet', () => this.#phone.dropVideo(call.key))
          : button('call-video-start', 'Start video', 'Start video: both sides see each other', 'btn-quiet', () => this.#phone.addVideo(call.key)));
      }
      if (call.state === 'held' && call.holdSide === 'remote') {
        actions.push(button('call-hold', 'Hold', 'Put the call on hold here too', 'btn-quiet', () => this.#phone.hold(call.key, true)));
      }
      const other = this.#phone.otherCallOnLine(call.key);
      if (call.state === 'held' && call.holdSide !== 'remote' && other?.state === 'connected') {
        // Consultation: this call waits while the line talks to `other`.
        actions.push(button('call-swap', 'Swap', `Swap to this call (put ${other.remote} on hold)`, 'btn-call', () => this.#phone.swap(call.key)));
        actions.push(button('call-conference', 'Conference', `Talk with ${call.remote} and ${other.remote} together`, 'btn-quiet', () => this.#phone.conference(call.key)));
        actions.push(button('call-complete', 'Complete transfer', `Connect ${call.remote} with ${other.remote} and leave`, 'btn-quiet', () => this.#phone.completeTransfer(call.key)));
      } else if (call.state === 'held' && call.holdSide !== 'remote') {
        actions.push(button('call-retrieve', 'Resume', 'Resume the held call', 'btn-call', () => this.#phone.hold(call.key, false)));
      }
      const unanswered = out && call.state !== 'connected' && call.state !== 'held';
      actions.push(button('call-hangup', unanswered ? 'Cancel' : 'Hang up', unanswered ? 'Cancel the call' : 'Hang up', 'btn-hangup', () => this.#phone.hangup(call.key)));
    } else if (out && call.completable && (call.callback === 'requested' || (!call.callback && Date.now() - (call.endedAt ?? 0) < CALLBACK_OFFER_MS))) {
      // Busy or not answered: the server may call back when the line is free (asnCtiCompleteCall).
      actions.push(call.callback === 'requested'
        ? button('call-callback-cancel', 'Cancel callback', `Do not call ${call.remote} back`, 'btn-quiet', () => this.#phone.callback(call.key, true))
        : button('call-callback', 'Call back when free', `Call ${call.remote} automatically when the line is free`, 'btn-call', () => this.#phone.callback(call.key)));
    }

    const meta: (HTMLElement | null)[] = [];
    if (call.cause && (ended || call.state === 'disconnected')) {
      const text = call.cause === 'picked-up' && call.pickedUpBy ? `Picked up by ${call.pickedUpBy}` : causeText(call.cause);
      meta.push(h('span', { class: 'meta', 'data-testid': 'call-cause', 'data-cause': call.cause }, text));
    }
    if (call.callback === 'placed') meta.push(h('span', { class: 'meta', 'data-testid': 'call-callback-placed' }, 'Called back'));
    if (call.callback === 'requested') meta.push(h('span', { class: 'meta meta-callback', 'data-testid': 'call-callback-requested' }, `Callback when ${call.remote} is free`));
    if (call.isCallback) meta.push(h('span', { class: 'meta meta-callback', 'data-testid': 'call-callback-mark', title: 'Placed by the server: the line you found busy is free' }, 'Callback'));
    if (call.pickedUpFrom && !ended) meta.push(h('span', { class: 'meta', 'data-testid': 'call-picked-up-from' }, `Picked up from ${call.pickedUpFrom}`));
    if (call.conference && !ended) meta.push(h('span', { class: 'meta meta-conference', 'data-testid': 'call-conference-mark', title: 'Mixed with the line\'s other call' }, 'Conference'));
    if (call.mediaPath) meta.push(h('span', { class: 'meta', 'data-testid': 'call-media-path', title: 'Media path' }, call.mediaPath === 'direct' ? 'Direct media' : 'Media via PBX'));
    if (call.error && !ended) meta.push(h('span', { class: 'meta meta-error' }, call.error));
    if (call.av?.peer && !ended && (call.state === 'connected' || call.state === 'held')) {
      const ice = call.av.peer.iceState;
      if (ice !== 'connected' && ice !== 'completed') meta.push(h('span', { class: 'meta meta-warn', 'data-testid': 'call-ice' }, `Audio: ${ice}`));
    }

    el.replaceChildren(
      h('div', { class: 'call-main' },
        h('span', { class: `call-dir ${out ? 'dir-out' : 'dir-in'}`, 'aria-hidden': 'true' }, out ? '↗' : '↙'),
        h('div', { class: 'call-party' },
          h('strong', { 'data-testid': 'call-remote' }, call.remoteName ? `${call.remoteName} (${call.remote})` : call.remote),
          h('span', { class: 'call-line' }, `${out ? 'from' : 'to'} ${numberOf(call.line)} · ${new Date(call.createdAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`)),
        h('span', { class: `badge state state-${call.state}`, 'data-testid': 'call-state' }, stateText(call)),
        h('span', { class: 'timer', 'data-testid': 'call-timer' }, this.#timerText(call))),
      meta.length ? h('div', { class: 'call-meta' }, ...meta) : '',
      actions.length ? h('div', { class: 'call-actions' }, ...actions) : '',
      this.#keypadOpen.has(call.key) && call.state === 'connected' ? this.#dtmfPad(call) : '',
      !ended && call.av?.peer?.hasVideo ? this.#videoArea(call) : '',
      this.#transferOpen.has(call.key) && call.state === 'connected' ? this.#transferForm(call) : '',
    );
  }

  /** The remote picture, with the local preview in its corner while the camera is on. */
  #videoArea(call: PhoneCall): HTMLElement {
    const peer = call.av!.peer!;
    const video = (testid: string, label: string, stream: MediaStream | undefined, cls: string): HTMLVideoElement => {
      const el = h('video', { class: cls, 'data-testid': testid, 'aria-label': label, autoplay: true, playsinline: true });
      el.muted = true; // the audio plays through the call's audio element
      el.srcObject = stream ?? null;
      return el;
    };
    const area = h('div', { class: 'call-video' },
      video('call-remote-video', `Video from ${call.remote}`, peer.remoteVideo, 'video-remote'),
      peer.localVideo ? video('call-local-video', 'Your camera', peer.localVideo, 'video-local') : '');
    // A negotiated video m-line gives a remote track even when the other side sends no picture (camera off, a
    // conference, a desk phone): the browser keeps it muted until frames arrive. No black box meanwhile,
    // unless our own preview is on. (Handlers as properties: a re-render replaces them, never piles them up.)
    const track = peer.remoteVideo?.getVideoTracks()[0];
    const sync = (): void => {
      area.classList.toggle('call-video-idle', !peer.localVideo && (!track || track.muted));
    };
    if (track) {
      track.onmute = sync;
      track.onunmute = sync;
    }
    sync();
    return area;
  }

  /** Target number and the button that transfers (blind: the call leaves this phone once the target answers). */
  #transferForm(call: PhoneCall): HTMLElement {
    const input = h('input', { type: 'tel', class: 'transfer-number', 'data-testid': 'call-transfer-number', 'aria-label': 'Transfer to number', placeholder: 'Transfer to…', autocomplete: 'off' }) as HTMLInputElement;
    input.value = this.#transferOpen.get(call.key) ?? '';
    input.addEventListener('input', () => {
      if (this.#transferOpen.has(call.key)) this.#transferOpen.set(call.key, input.value);
    });
    const form = h('form', { class: 'call-transfer', 'data-testid': 'call-transfer-form' },
      input,
      h('button', { type: 'submit', class: 'btn btn-call', 'data-testid': 'call-transfer-go', 'aria-label': 'Transfer now' }, 'Transfer now')) as HTMLFormElement;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const number = input.value;
      this.#run(`Transferring to ${number.trim()}`, async () => {
        await this.#phone.transfer(call.key, number);
        this.#transferOpen.delete(call.key);
        this.render();
      });
    });
    return form;
  }

  #dtmfPad(call: PhoneCall): HTMLElement {
    const sent = h('span', { class: 'dtmf-sent', 'data-testid': 'call-dtmf-sent', 'aria-live': 'polite' });
    return h('div', { class: 'dialpad dialpad-small', role: 'group', 'aria-label': 'Send tones' },
      ...KEYPAD_KEYS.map((key) => h('button', {
        type: 'button',
        class: 'key',
        'data-testid': `call-dtmf-${keyName(key)}`,
        'aria-label': `Send tone ${key}`,
        onclick: () => this.#run(`Sending tone ${key}`, async () => {
          await this.#phone.sendDigits(call.key, key);
          sent.textContent += key;
        }),
      }, key)), sent);
  }

  #timerText(call: PhoneCall): string {
    if (!call.connectedAt) return '';
    const end = isEnded(call) || call.state === 'disconnected' ? (call.endedAt ?? Date.now()) : Date.now();
    return duration((end - call.connectedAt) / 1000);
  }

  #tick(): void {
    for (const call of this.#phone.calls) {
      const row = this.#callRows.get(call.key);
      const timer = row?.el.querySelector('[data-testid="call-timer"]');
      if (timer) timer.textContent = this.#timerText(call);
    }
  }
}
