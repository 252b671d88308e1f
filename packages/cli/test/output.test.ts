import { createOutput } from '../src/output';

/** A stand-in for stdout or stderr that keeps what is written. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  const fake = {
    isTTY,
    columns: 100,
    write: (text: string) => written.push(text) > 0,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => fake,
    removeListener: () => fake,
  };
  return { fake: fake as unknown as NodeJS.WriteStream, text: () => written.join('') };
}

describe('the CLI output', () => {
  it('prints progress as plain lines, each change once, with no escape sequence when not on a terminal', () => {
    const [stdout, stderr] = [stream(false), stream(false)];
    const output = createOutput({ stdout: stdout.fake, stderr: stderr.fake, env: {} });
    output.jobProgress({ text: 'Exporting 10%: 1 of 10 resources', percent: 10 });
    output.jobProgress({ text: 'Exporting 10%: 1 of 10 resources', percent: 10 });
    output.jobProgress({ text: 'Exporting 50%: 5 of 10 resources', percent: 50 });
    const bar = output.byteBar('downloading 1 file');
    bar.addTotal(10);
    bar.advance(10);
    bar.fileDone('Patient-0-0.ndjson: 10 bytes');
    bar.stop();
    output.fail('fhir-bulk: failed');
    output.result('1 files');
    expect(stderr.text()).toBe(
      '  Exporting 10%: 1 of 10 resources\n  Exporting 50%: 5 of 10 resources\n  Patient-0-0.ndjson: 10 bytes\nfhir-bulk: failed\n',
    );
    expect(stdout.text()).toBe('1 files\n');
  });

  it('colours failures on a terminal, and not with NO_COLOR', () => {
    const coloured = stream(true);
    createOutput({ stdout: stream(true).fake, stderr: coloured.fake, env: {} }).fail('fhir-bulk: failed');
    expect(coloured.text()).toContain('\u001b[31m');
    const plain = stream(true);
    createOutput({ stdout: stream(true).fake, stderr: plain.fake, env: { NO_COLOR: '1' } }).fail('fhir-bulk: failed');
    expect(plain.text()).toBe('fhir-bulk: failed\n');
  });
});
