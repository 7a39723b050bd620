/** The server answered an invoke with a ROSE error or reject, or the login failed. */
export class EnetucError extends Error {
  readonly detail: number;
  /** The server's own text (u8sErrorString), without the operation name. */
  readonly text: string;
  constructor(message: string, detail: number, text = message) {
    super(message);
    this.name = 'EnetucError';
    this.detail = detail;
    this.text = text;
  }
}
