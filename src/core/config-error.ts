/** A setting or file the user gave is wrong: the message names it, and no stack is shown. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
