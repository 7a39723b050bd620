export interface ToneLevel {
  /** Share (0..1) of the audio power within ±bandHz of the frequency, over 100–4000 Hz. */
  share: number;
  /** Power within the band, dBFS. */
  toneDb: number;
  /** Power over 100–4000 Hz, dBFS (about −100 or lower for silence). */
  totalDb: number;
}

const FFT_SIZE = 8192;

/**
 * Spectrum of a (remote) audio stream with a WebAudio AnalyserNode: which tone is heard, and whether
 * anything is heard at all. Used by the level indicator and the e2e test hook.
 */
export class ToneMeter {
  readonly #analyser: AnalyserNode;
  readonly #source: MediaStreamAudioSourceNode;
  readonly #sink: GainNode;
  readonly #bins: Float32Array<ArrayBuffer>;

  constructor(context: AudioContext, stream: MediaStream) {
    this.#source = context.createMediaStreamSource(stream);
    this.#analyser = context.createAnalyser();
    this.#analyser.fftSize = FFT_SIZE;
    this.#analyser.smoothingTimeConstant = 0.5;
    this.#analyser.minDecibels = -140;
    this.#analyser.maxDecibels = 0;
    // The analyser must be pulled by the graph: a silent gain to the destination (the audio itself is
    // played by an <audio> element, which also keeps Chrome's remote WebRTC track flowing).
    this.#sink = context.createGain();
    this.#sink.gain.value = 0;
    this.#source.connect(this.#analyser).connect(this.#sink).connect(context.destination);
    this.#bins = new Float32Array(this.#analyser.frequencyBinCount);
  }

  /** One spectrum snapshot. */
  sample(frequency: number, bandHz = 25): ToneLevel {
    this.#analyser.getFloatFrequencyData(this.#bins);
    const hzPerBin = this.#analyser.context.sampleRate / FFT_SIZE;
    let band = 0;
    let total = 0;
    for (let i = Math.floor(100 / hzPerBin); i <= Math.ceil(4000 / hzPerBin) && i < this.#bins.length; i++) {
      const db = this.#bins[i]!;
      const p = Number.isFinite(db) ? 10 ** (db / 10) : 0;
      total += p;
      if (Math.abs(i * hzPerBin - frequency) <= bandHz) band += p;
    }
    const dB = (p: number): number => (p > 0 ? 10 * Math.log10(p) : -200);
    return { share: total > 0 ? band / total : 0, toneDb: dB(band), totalDb: dB(total) };
  }

  /** The average of `frames` snapshots `intervalMs` apart. */
  async measure(frequency: number, frames = 8, intervalMs = 60): Promise<ToneLevel> {
    let share = 0;
    let tone = 0;
    let total = 0;
    for (let i = 0; i < frames; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
      const s = this.sample(frequency);
      share += s.share;
      tone += 10 ** (s.toneDb / 10);
      total += 10 ** (s.totalDb / 10);
    }
    const dB = (p: number): number => (p > 0 ? 10 * Math.log10(p / frames) : -200);
    return { share: share / frames, toneDb: dB(tone), totalDb: dB(total) };
  }

  close(): void {
    this.#source.disconnect();
    this.#analyser.disconnect();
    this.#sink.disconnect();
  }
}
