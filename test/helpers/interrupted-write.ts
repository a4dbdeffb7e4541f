// Writes two outputs into argv[2] and, while the first is being written,
// sends itself SIGINT twice: the first signal aborts the set, the second
// exits at once (test/files.ts checks that neither leaves a file behind).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { handleInterrupts, interrupted } from '../../lib/cli/interrupt';
import { writeOutputs } from '../../lib/io/files';

handleInterrupts();
const dir = process.argv[2]!;
const slowly = async (staging: string) => {
  fs.writeFileSync(staging, 'half');
  process.kill(process.pid, 'SIGINT');
  process.kill(process.pid, 'SIGINT');
  await new Promise((r) => setTimeout(r, 5000)); // the second signal ends the process before this does
};
void writeOutputs(
  [
    { file: path.join(dir, 'a.fits'), what: 'FITS file', code: 'ERR_AIRY_FITS', write: slowly },
    { file: path.join(dir, 'b.png'), what: 'PNG picture', code: 'ERR_AIRY_WRITE', write: (s) => fs.writeFileSync(s, 'png') },
  ],
  interrupted,
);
