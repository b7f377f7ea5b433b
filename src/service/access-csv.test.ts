import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessCsv, csvField } from './access-csv.js';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const chunk of chunks) all += chunk;
  return all;
}

async function* users() {
  yield {
    userId: 'u1',
    userName: '=HYPERLINK("http://evil")',
    active: true,
    roles: [
      { value: '+Admin', display: 'Ad "min"' },
      { value: 'Reader', type: 'app' },
    ],
    groups: [{ id: 'g1', displayName: '@Sales, EMEA' }],
  };
  yield { userId: 'u2', userName: 'bob\nsmith', active: false, roles: [], groups: [] };
}

describe('access report CSV', () => {
  it('quotes every field, doubles quotes, and defuses formulas with an apostrophe', () => {
    assert.deepEqual(
      ['plain', 'a,b', 'say "hi"', '=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '', 'x=1'].map(csvField),
      [
        '"plain"',
        '"a,b"',
        '"say ""hi"""',
        `"'=1+1"`,
        `"'+1"`,
        `"'-1"`,
        `"'@SUM(A1)"`,
        `"'\tx"`,
        `"'\rx"`,
        '""',
        '"x=1"',
      ],
    );
  });

  it('is UTF-8 with a BOM, a header, and one CRLF line per user', async () => {
    assert.equal(
      await text(accessCsv(users())),
      '\uFEFF"user_id","user_name","active","roles","group_ids","groups"\r\n' +
        `"u1","'=HYPERLINK(""http://evil"")","true","'+Admin (Ad ""min""); Reader [app]","g1","'@Sales, EMEA"\r\n` +
        '"u2","bob\nsmith","false","","",""\r\n',
    );
  });
});
