import { type OperationOutcomeError, notSupported } from '@fhir-bulk/fhir';
import type { IgnoredParameter } from './export-job';

/**
 * `Prefer: handling=strict|lenient` for one kick-off. The IG says of every optional parameter: a server unable to
 * support it "SHOULD return an error and FHIR OperationOutcome resource ... When a Prefer: handling=lenient header is
 * included in the request, the server MAY process the request instead of returning an error." Skipped parameters are
 * kept so the manifest can report them ("the server SHOULD include a FHIR OperationOutcome resource for each").
 *
 * Only what the server cannot do goes through here. Values that are malformed whatever the server (a bad date, a
 * `_typeFilter` without `?`, `_since` after `_until`) stay a 400 even when lenient: guessing what the client meant
 * could silently export a different data set than the one asked for.
 */
export class Handling {
  readonly ignored: IgnoredParameter[] = [];

  constructor(readonly lenient: boolean) {}

  /** Strict: throws `error(reason, parameter)` (not-supported by default). Lenient: records the skip and returns. */
  unsupported(
    parameter: string,
    reason: string,
    error: (reason: string, parameter: string) => OperationOutcomeError = notSupported,
  ): void {
    if (!this.lenient) throw error(reason, parameter);
    this.ignored.push({ parameter, reason });
  }

  /** Something the request asked for that cannot matter (whatever the handling), told to the client all the same. */
  note(parameter: string, reason: string): void {
    this.ignored.push({ parameter, reason });
  }
}
