import { type ViewColumnInfo, type ViewRow } from '../src';
import { ACCEPTED_MEDIA_TYPES, csvField, csvRecord, rowEncoder, rowFormatOf } from '../src/row-formats';

const column = (name: string, collection = false): ViewColumnInfo => ({ name, type: 'string', collection, tags: [] });
const columns = [column('id'), column('family'), column('given', true), column('active')];
const rows: ViewRow[] = [
  { id: 'a', family: 'Smith, "Jr"', given: ['Ann', 'Bo'], active: true },
  { id: 'b', family: null, given: [], active: false },
];

const encode = (format: 'json' | 'ndjson' | 'csv', header?: boolean) => {
  const encoder = rowEncoder(format, columns, header);
  return { contentType: encoder.contentType, text: encoder.head + rows.map(encoder.row).join('') + encoder.tail };
};

describe('CSV fields (RFC 4180)', () => {
  it('writes plain values as they are and quotes those with a comma, quote or line break', () => {
    expect(csvRecord(['a', 'b c', ''])).toBe('a,b c,\r\n');
    expect(csvRecord(['x,y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x,y","say ""hi""","two\nlines","cr\r"\r\n');
  });

  it('leaves null empty and writes collections and complex values as JSON', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(0)).toBe('0');
    expect(csvField(false)).toBe('false');
    expect(csvField(['a', 'b'])).toBe('["a","b"]');
    expect(csvField({ system: 'http://loinc.org', code: '1-8' })).toBe('{"system":"http://loinc.org","code":"1-8"}');
  });
});

describe('rowEncoder', () => {
  it('makes a JSON array of row objects', () => {
    const { contentType, text } = encode('json');
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(text)).toEqual(rows);
    expect(rowEncoder('json', columns).head + rowEncoder('json', columns).tail).toBe('[]');
  });

  it('makes one JSON object per NDJSON line', () => {
    const { contentType, text } = encode('ndjson');
    expect(contentType).toBe('application/x-ndjson; charset=utf-8');
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(rows);
  });

  it('makes CSV with a header row from the columns, unless asked not to', () => {
    expect(encode('csv')).toEqual({
      contentType: 'text/csv; charset=utf-8; header=present',
      text: 'id,family,given,active\r\na,"Smith, ""Jr""","[""Ann"",""Bo""]",true\r\nb,,[],false\r\n',
    });
    expect(encode('csv', false)).toEqual({
      contentType: 'text/csv; charset=utf-8; header=absent',
      text: 'a,"Smith, ""Jr""","[""Ann"",""Bo""]",true\r\nb,,[],false\r\n',
    });
  });
});

describe('format names', () => {
  it('knows the codes and media types of each format, in any case', () => {
    expect(
      ['json', 'application/json', 'ndjson', 'application/x-ndjson', 'application/ndjson', 'CSV', 'text/csv'].map(
        rowFormatOf,
      ),
    ).toEqual(['json', 'json', 'ndjson', 'ndjson', 'ndjson', 'csv', 'csv']);
    expect(rowFormatOf('parquet')).toBeUndefined();
    expect(rowFormatOf('constructor')).toBeUndefined();
  });

  it('offers the default (ndjson, as the spec says) first to content negotiation', () => {
    expect(ACCEPTED_MEDIA_TYPES).toEqual([
      'application/x-ndjson',
      'application/json',
      'application/ndjson',
      'text/csv',
    ]);
  });
});
