import { InputError } from '../domain/index.js';

/** Something wrong in what was typed after /diag. */
export class CommandSyntaxError extends InputError {}

/** The access policy does not let this person diagnose this host. */
export class AccessDeniedError extends InputError {
  constructor(userMessage: string) {
    super('access_denied', userMessage);
  }
}
