export type RingPattern = 'ring' | 'ringback' | 'off';

/**
 * Local call-progress tones with WebAudio: `ring` for an incoming call (two short bursts of a
 * 440+480 Hz chord every 3 s) and `ringback` while the far end rings (425 Hz, 1 s on, 4 s off).
 * Played on the chosen speaker when the browser supports AudioContext.setSinkId.
 */
export class RingTone {
  readonly #context: () => AudioContext;
  #pattern: RingPattern = 'off';
  #timer: number | undefined;
  #nodes: AudioNode[] = [];

  constructor(context: () => AudioContext) {
    this.#context = context;
  }

  get pattern(): RingPattern {
    return this.#pattern;
  }

  play(pattern: RingPattern): void {
    if (pattern === this.#pattern) return;
    this.stop();
    this.#pattern = pattern;
    if (pattern === 'off') return;
    const period = pattern === 'ring' ? 3000 : 5000;
    const burst = (): void => {
      if (pattern === 'ring') {
        this.#tone([440, 480], 0, 0.4);
        this.#tone([440, 480], 0.6, 0.4);
      } else {
        this.#tone([425], 0, 1);
      }
    };
    burst();
    this.#timer = window.setInterval(burst, period);
  }

  stop(): void {
    this.#pattern = 'off';
    window.clearInterval(this.#timer);
    this.#timer = undefined;
    for (const n of this.#nodes) {
      try {
        n.disconnect();
      } catch {
        // already disconnected
      }
    }
    this.#nodes = [];
  }

  async setSink(id: string): Promise<void> {
    const ctx = this.#context() as AudioContext & { setSinkId?: (id: string) => Promise<void> };
    try {
      await ctx.setSinkId?.(id);
    } catch (err) {
      console.warn('ucserver: ring tone cannot use the chosen speaker', err);
    }
  }

  #tone(frequencies: number[], startIn: number, seconds: number): void {
    const ctx = this.#context();
    if (ctx.state === 'suspended') void ctx.resume();
    const gain = ctx.createGain();
    const t0 = ctx.currentTime + startIn;
    gain.gain.setValueAtTime(0, t0);
    gain.gain.linearRampToValueAtTime(0.12, t0 + 0.02);
    gain.gain.setValueAtTime(0.12, t0 + seconds - 0.02);
    gain.gain.linearRampToValueAtTime(0, t0 + seconds);
    gain.connect(ctx.destination);
    this.#nodes.push(gain);
    for (const f of frequencies) {
      const osc = ctx.createOscillator();
      osc.frequency.value = f;
      osc.connect(gain);
      osc.start(t0);
      osc.stop(t0 + seconds);
      osc.addEventListener('ended', () => {
        osc.disconnect();
        this.#nodes = this.#nodes.filter((n) => n !== osc);
      });
      this.#nodes.push(osc);
    }
    window.setTimeout(() => {
      gain.disconnect();
      this.#nodes = this.#nodes.filter((n) => n !== gain);
    }, (startIn + seconds) * 1000 + 100);
  }
}
