export interface DeviceChoice {
  id: string;
  label: string;
}

export interface DeviceLists {
  microphones: DeviceChoice[];
  speakers: DeviceChoice[];
  cameras: DeviceChoice[];
  /** False when the browser cannot route audio to a chosen output (no HTMLMediaElement.setSinkId). */
  canChooseSpeaker: boolean;
}

const STORE_MIC = 'ucs.microphone';
const STORE_SPEAKER = 'ucs.speaker';
const STORE_PROCESSING = 'ucs.audioProcessing';
const STORE_CAMERA = 'ucs.cameraOnStart';
const STORE_VIDEO_CALLS = 'ucs.videoCalls';
const STORE_CAMERA_ID = 'ucs.camera';

/**
 * Microphone and speaker choice: device lists from enumerateDevices (labels appear once the microphone
 * was granted), the microphone track for calls, the output device (setSinkId) for call audio and the
 * ring tone. Choices persist in localStorage. Emits `change` when the device lists change.
 */
export class AudioDevices extends EventTarget {
  #microphoneId: string;
  #speakerId: string;
  /** Echo cancellation, noise suppression and gain control on the microphone. */
  #processing: boolean;
  readonly #sinks = new Set<HTMLMediaElement>();
  /** The camera sends from the start of a call (it can be switched on and off during the call). */
  #cameraOnStart: boolean;
  #cameraId: string;
  /** Calls we place offer video (else audio only; a call can be upgraded with Start video). */
  #videoCalls: boolean;

  constructor(options: { processing?: boolean } = {}) {
    super();
    this.#microphoneId = localStorage.getItem(STORE_MIC) ?? '';
    this.#speakerId = localStorage.getItem(STORE_SPEAKER) ?? '';
    this.#processing = options.processing ?? localStorage.getItem(STORE_PROCESSING) !== '0';
    this.#cameraOnStart = localStorage.getItem(STORE_CAMERA) === '1';
    this.#cameraId = localStorage.getItem(STORE_CAMERA_ID) ?? '';
    this.#videoCalls = localStorage.getItem(STORE_VIDEO_CALLS) !== '0';
    navigator.mediaDevices?.addEventListener('devicechange', () => this.dispatchEvent(new Event('change')));
  }

  get microphoneId(): string {
    return this.#microphoneId;
  }

  get speakerId(): string {
    return this.#speakerId;
  }

  get processing(): boolean {
    return this.#processing;
  }

  set processing(on: boolean) {
    this.#processing = on;
    localStorage.setItem(STORE_PROCESSING, on ? '1' : '0');
  }

  get cameraOnStart(): boolean {
    return this.#cameraOnStart;
  }

  set cameraOnStart(on: boolean) {
    this.#cameraOnStart = on;
    localStorage.setItem(STORE_CAMERA, on ? '1' : '0');
  }

  get videoCalls(): boolean {
    return this.#videoCalls;
  }

  set videoCalls(on: boolean) {
    this.#videoCalls = on;
    localStorage.setItem(STORE_VIDEO_CALLS, on ? '1' : '0');
  }

  get cameraId(): string {
    return this.#cameraId;
  }

  /** The camera for the next call (or the next time the camera is switched on); '' is the default. */
  setCamera(id: string): void {
    this.#cameraId = id;
    localStorage.setItem(STORE_CAMERA_ID, id);
  }

  /** A fresh camera stream (640×360) from the chosen camera, else the default. Throws when there is none or access is denied. */
  async camera(): Promise<MediaStream> {
    const video = (id: string): MediaTrackConstraints => ({ width: { ideal: 640 }, height: { ideal: 360 }, ...(id ? { deviceId: { exact: id } } : {}) });
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: false, video: video(this.#cameraId) });
    } catch (err) {
      // the remembered camera is gone: fall back to the default one
      if (!this.#cameraId || (err as DOMException).name !== 'OverconstrainedError') throw err;
      this.#cameraId = '';
      return navigator.mediaDevices.getUserMedia({ audio: false, video: video('') });
    }
  }

  async list(): Promise<DeviceLists> {
    const canChooseSpeaker = 'setSinkId' in HTMLMediaElement.prototype;
    if (!navigator.mediaDevices?.enumerateDevices) return { microphones: [], speakers: [], cameras: [], canChooseSpeaker: false };
    const devices = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind, fallback: string): DeviceChoice[] =>
      devices.filter((d) => d.kind === kind && d.deviceId).map((d, i) => ({ id: d.deviceId, label: d.label || `${fallback} ${i + 1}` }));
    return { microphones: pick('audioinput', 'Microphone'), speakers: pick('audiooutput', 'Speaker'), cameras: pick('videoinput', 'Camera'), canChooseSpeaker };
  }

  /** A fresh microphone stream with the chosen device (or the default). Throws when access is denied. */
  async microphone(): Promise<MediaStream> {
    const processing = this.#processing;
    const audio: MediaTrackConstraints = {
      echoCancellation: processing,
      noiseSuppression: processing,
      autoGainControl: processing,
      ...(this.#microphoneId ? { deviceId: { exact: this.#microphoneId } } : {}),
    };
    try {
      return await navigator.mediaDevices.getUserMedia({ audio, video: false });
    } catch (err) {
      // the remembered device is gone: fall back to the default one
      if (this.#microphoneId && (err as DOMException).name === 'OverconstrainedError') {
        this.#microphoneId = '';
        return navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: processing, noiseSuppression: processing, autoGainControl: processing }, video: false });
      }
      throw err;
    }
  }

  setMicrophone(id: string): void {
    this.#microphoneId = id;
    localStorage.setItem(STORE_MIC, id);
  }

  /** Routes every registered element (and later ones) to the chosen output. */
  async setSpeaker(id: string): Promise<void> {
    this.#speakerId = id;
    localStorage.setItem(STORE_SPEAKER, id);
    await Promise.all([...this.#sinks].map((el) => this.#applySink(el)));
  }

  /** Plays call audio through `el` on the chosen output. */
  async attach(el: HTMLMediaElement): Promise<void> {
    this.#sinks.add(el);
    await this.#applySink(el);
  }

  detach(el: HTMLMediaElement): void {
    this.#sinks.delete(el);
  }

  async #applySink(el: HTMLMediaElement): Promise<void> {
    const sinkable = el as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };
    if (!sinkable.setSinkId) return;
    try {
      await sinkable.setSinkId(this.#speakerId);
    } catch (err) {
      console.warn('ucserver: cannot use the chosen speaker', err);
    }
  }
}
