// The transparency log is witnessed: global setup starts two witnesses
// (`kredit witness serve`) and the server requires both, so the published
// checkpoint at /log/checkpoint carries the log's signature and one
// cosignature line from each witness.
import { expect, test } from '@playwright/test';
import { BASE } from './support';

/** The signature lines of a signed note, by the key name they carry. */
function signers(note: string): string[] {
  const [, signatures = ''] = note.split('\n\n');
  return signatures
    .split('\n')
    .filter((line) => line.startsWith('— '))
    .map((line) => line.slice(2).split(' ')[0]);
}

test('the published checkpoint carries both witnesses\u2019 cosignatures', async ({ request }) => {
  let note = '';
  await expect
    .poll(
      async () => {
        const response = await request.get(`${BASE()}/log/checkpoint`);
        note = response.ok() ? await response.text() : '';
        return signers(note).filter((name) => name.startsWith('witness.example/')).sort();
      },
      { timeout: 30_000 },
    )
    .toEqual(['witness.example/w1', 'witness.example/w2']);
  expect(signers(note)).toContain('localhost/kredit-log');
  const origin = note.split('\n')[0];
  expect(origin).toBe('localhost/kredit-log');
});
