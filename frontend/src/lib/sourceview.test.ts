import { describe, expect, it } from 'vitest';
import type { Segment } from '../api/types';
import {
  bodyKind,
  citationName,
  citationPlace,
  cssBox,
  fitScale,
  gridRows,
  hasColumns,
  isPdf,
  isSheet,
  locationLine,
  mergeLineRects,
  ocrMark,
  ocrTitle,
  pdfMarks,
  stepZoom,
  ZOOMS,
} from './sourceview';

describe('format → view', () => {
  const cases: [string, string, number, 'page' | 'text', boolean, string][] = [
    // format, path, page, chosen view, pdf failed, want
    ['pdf', '/d/a.pdf', 3, 'page', false, 'page'],
    ['pdf', '/d/a.pdf', 3, 'text', false, 'text'],
    ['pdf', '/d/a.pdf', 3, 'page', true, 'text'],
    ['pdf', '/d/a.pdf', 0, 'page', false, 'text'], // no page known: text only
    ['', '/d/A.PDF', 1, 'page', false, 'page'], // format from the extension
    ['xlsx', '/d/b.xlsx', 0, 'page', false, 'grid'],
    ['xlsm', '/d/b.xlsm', 0, 'page', false, 'grid'],
    ['xls', '/d/b.xls', 0, 'page', false, 'grid'], // Excel 97-2003
    ['doc', '/d/c.doc', 0, 'page', false, 'text'],
    ['eml', '/d/m.eml', 0, 'page', false, 'text'],
    ['ods', '/d/b.ods', 0, 'page', false, 'grid'],
    ['csv', '/d/b.csv', 0, 'page', false, 'grid'],
    ['', '/d/b.tsv', 0, 'text', false, 'grid'],
    ['docx', '/d/c.docx', 0, 'page', false, 'text'],
    ['pptx', '/d/c.pptx', 0, 'page', false, 'text'],
    ['md', '/d/c.md', 0, 'page', false, 'text'],
    ['html', '/d/c.html', 0, 'page', false, 'text'],
    ['txt', '/d/notes', 0, 'page', false, 'text'],
  ];
  it.each(cases)('%s %s page %d view %s failed %s → %s', (format, path, page, view, failed, want) => {
    expect(bodyKind({ format, path, page }, view, failed)).toBe(want);
  });

  it('recognises formats case-insensitively', () => {
    expect(isPdf('PDF', '/x')).toBe(true);
    expect(isPdf('', '/x.pdf.txt')).toBe(false);
    expect(isSheet('XLSX', '/x')).toBe(true);
    expect(isSheet('docx', '/x.csv')).toBe(false); // the backend's format wins
  });
});

describe('locationLine', () => {
  const cases: [string | undefined, number, string][] = [
    [undefined, 3, ''],
    ['', 3, ''],
    ['  ', 0, ''],
    ['page 3', 3, ''], // the page counter already says it
    ['Page 3', 3, ''],
    ['page 3', 4, 'page 3'], // disagrees: show it
    ['page 3', 0, 'page 3'], // no page counter shown
    ['page 3 · Results', 3, 'page 3 · Results'],
    ['Sheet1!B4', 0, 'Sheet1!B4'],
    ['slide 2 · notes', 0, 'slide 2 · notes'],
    [' Methods › Sampling · ¶ 4 ', 0, 'Methods › Sampling · ¶ 4'],
  ];
  it.each(cases)('%j on page %d → %j', (loc, page, want) => {
    expect(locationLine(loc, page)).toBe(want);
  });
});

describe('citationPlace', () => {
  it('prefers the location, then the page, else nothing', () => {
    expect(citationPlace({ location: 'Sheet1!B4', page: 0 })).toBe('Sheet1!B4');
    expect(citationPlace({ location: 'page 2', page: 2 })).toBe('page 2');
    expect(citationPlace({ location: '', page: 7 })).toBe('page 7');
    expect(citationPlace({ page: 0 })).toBe('');
  });
});

describe('gridRows', () => {
  const cellText = (rows: Segment[][][]) => rows.map((r) => r.map((c) => c.map((s) => s.text).join('')));

  it('splits lines on newlines and cells on tabs', () => {
    const { rows, cols } = gridRows([{ text: 'Sheet1\nName\tAge\tCity\nAda\t36\tLondon\n', kind: 'plain' }]);
    expect(cellText(rows)).toEqual([['Sheet1'], ['Name', 'Age', 'City'], ['Ada', '36', 'London']]);
    expect(cols).toBe(3);
  });

  it('keeps highlights inside their cells across segment boundaries', () => {
    const segs: Segment[] = [
      { text: 'Ada\t3', kind: 'plain' },
      { text: '6\tLon', kind: 'highlight' },
      { text: 'don\r\nBob\t\t', kind: 'plain' },
    ];
    const { rows, cols } = gridRows(segs);
    expect(cellText(rows)).toEqual([
      ['Ada', '36', 'London'],
      ['Bob', '', ''],
    ]);
    expect(rows[0][1]).toEqual([
      { text: '3', kind: 'plain' },
      { text: '6', kind: 'highlight' },
    ]);
    expect(rows[0][2]).toEqual([
      { text: 'Lon', kind: 'highlight' },
      { text: 'don', kind: 'plain' },
    ]);
    expect(cols).toBe(3);
  });

  it('keeps one empty row between sheets and drops blank lines at the ends', () => {
    expect(cellText(gridRows([{ text: '\n\na\tb\n \n\nc\n\n', kind: 'plain' }]).rows)).toEqual([['a', 'b'], [], ['c']]);
    expect(gridRows([{ text: '\n \n', kind: 'plain' }])).toEqual({ rows: [], cols: 0 });
    expect(gridRows([])).toEqual({ rows: [], cols: 0 });
  });

  it('hasColumns tells tabbed text apart', () => {
    expect(hasColumns([{ text: 'a,b\n', kind: 'plain' }])).toBe(false);
    expect(hasColumns([{ text: 'a', kind: 'plain' }, { text: '\tb', kind: 'passage' }])).toBe(true);
  });
});

describe('mergeLineRects', () => {
  it('joins words on one line and keeps lines apart', () => {
    const words = [
      { x0: 72, y0: 700, x1: 100, y1: 712 },
      { x0: 103, y0: 700, x1: 140, y1: 711 }, // same line, small gap
      { x0: 143, y0: 699, x1: 180, y1: 712 },
      { x0: 72, y0: 686, x1: 110, y1: 698 }, // next line
      { x0: 113, y0: 686, x1: 150, y1: 698 },
    ];
    expect(mergeLineRects(words)).toEqual([
      { x0: 72, y0: 699, x1: 180, y1: 712 },
      { x0: 72, y0: 686, x1: 150, y1: 698 },
    ]);
  });

  it('does not bridge columns or join a word back at the line start', () => {
    const got = mergeLineRects([
      { x0: 72, y0: 700, x1: 250, y1: 712 },
      { x0: 320, y0: 700, x1: 500, y1: 712 }, // next column: gap 70 > line height
      { x0: 10, y0: 700, x1: 40, y1: 712 }, // left of the previous box
    ]);
    expect(got).toHaveLength(3);
  });

  it('normalises corners and skips empty boxes', () => {
    expect(
      mergeLineRects([
        { x0: 100, y0: 712, x1: 72, y1: 700 },
        { x0: 5, y0: 5, x1: 5, y1: 9 },
      ]),
    ).toEqual([{ x0: 72, y0: 700, x1: 100, y1: 712 }]);
    expect(mergeLineRects(null)).toEqual([]);
  });
});

describe('cssBox', () => {
  it('orders corners from a rotated viewport and pads', () => {
    expect(cssBox([50, 300, 10, 280])).toEqual({ left: 10, top: 280, width: 40, height: 20 });
    expect(cssBox([10, 20, 30, 40], 2)).toEqual({ left: 8, top: 18, width: 24, height: 24 });
  });

  it('matches pdf.js on an unrotated page', () => {
    // pdf.js' viewport for a 612×792 page at scale s, no rotation, maps user
    // (x, y) to (s·x, s·(792 − y)).
    const s = 0.5;
    const toView = ([x0, y0, x1, y1]: number[]) => [s * x0, s * (792 - y0), s * x1, s * (792 - y1)];
    expect(cssBox(toView([72, 700, 180, 712]))).toEqual({ left: 36, top: 40, width: 54, height: 6 });
  });
});

describe('zoom', () => {
  it('steps through the zoom levels and clamps', () => {
    expect(stepZoom(1, 1)).toBe(1.25);
    expect(stepZoom(1, -1)).toBe(0.8);
    expect(stepZoom(1.1, -1)).toBe(1);
    expect(stepZoom(ZOOMS[ZOOMS.length - 1], 1)).toBe(ZOOMS[ZOOMS.length - 1]);
    expect(stepZoom(ZOOMS[0], -1)).toBe(ZOOMS[0]);
  });

  it('fits the page width to the panel', () => {
    expect(fitScale(612, 306)).toBe(0.5);
    expect(fitScale(612, 306, 2)).toBe(1);
    expect(fitScale(0, 300, 1.5)).toBe(1.5);
    expect(fitScale(612, 0)).toBe(1);
  });
});

describe('pdfMarks', () => {
  const box = { x0: 0, y0: 0, x1: 612, y1: 792 };
  const r = (y: number) => ({ x0: 72, y0: y, x1: 300, y1: y + 10 });
  const cases: [string, Parameters<typeof pdfMarks>[0], number[]][] = [
    ['no page', { page: 0, passage: [r(1)] }, []],
    ['one page', { page: 4, pageBox: box, passage: [r(80)], highlights: [r(80)] }, [4]],
    ['over a break', { page: 4, passage: [r(80)], more: [{ page: 5, passage: [r(700)], highlights: [r(700)] }] }, [4, 5]],
    ['over two breaks', { page: 4, more: [{ page: 5 }, { page: 6 }] }, [4, 5, 6]],
    ['repeated and backwards dropped', { page: 4, more: [{ page: 4 }, { page: 3 }, { page: 5 }] }, [4, 5]],
    ['null more', { page: 2, more: null }, [2]],
  ];
  for (const [name, src, pages] of cases) {
    it(name, () => expect(pdfMarks(src).map((m) => m.page)).toEqual(pages));
  }
  it('keeps the first page box, rotation and rects', () => {
    const [first, next] = pdfMarks({
      page: 4, pageBox: box, rotate: 90, passage: [r(80)], highlights: [r(81)],
      more: [{ page: 5, rotate: 0, highlights: [r(700)] }],
    });
    expect(first).toEqual({ page: 4, box, rotate: 90, passage: [r(80)], highlights: [r(81)] });
    expect(next.highlights).toEqual([r(700)]);
  });  it('carries the cited cell onto the first page', () => {
    const cell = { x0: 400, y0: 80, x1: 430, y1: 90 };
    const [first] = pdfMarks({ page: 63, passage: [r(80)], highlights: [r(80)], cellRects: [cell] });
    expect(first.cell).toEqual([cell]);
    expect(pdfMarks({ page: 63, highlights: [r(80)] })[0].cell ?? []).toEqual([]);
  });
});

describe('citationName', () => {
  it('shows a stated title before the file name, else the file name alone', () => {
    expect(citationName({ title: 'Free Culture', path: '/f/freeculture.pdf' })).toBe('Free Culture (freeculture.pdf)');
    expect(citationName({ title: 'plants', path: '/f/plants.csv' })).toBe('plants.csv');
    expect(citationName({ title: '  ', path: '/f/3M_2018_10K.pdf' })).toBe('3M_2018_10K.pdf');
    expect(citationName({ path: 'C:\\docs\\a.docx' })).toBe('a.docx');
  });
});

describe('ocrMark', () => {
  it('marks a page read by OCR with its rounded confidence', () => {
    expect(ocrMark({ confidence: 91.4, languages: ['eng'] })).toBe('OCR, confidence 91%');
    expect(ocrMark({ confidence: 90.5 })).toBe('OCR, confidence 91%');
    expect(ocrMark({ confidence: 130 })).toBe('OCR, confidence 100%');
    expect(ocrMark({ confidence: -3 })).toBe('OCR, confidence 0%');
    expect(ocrMark({ confidence: NaN })).toBe('OCR');
  });
  it('says nothing for a text-layer page', () => {
    expect(ocrMark(undefined)).toBe('');
    expect(ocrMark(null)).toBe('');
    expect(ocrTitle(null)).toBe('');
  });
  it('says when only the pictures of a text page were read', () => {
    expect(ocrMark({ confidence: 94.4, regions: 1 })).toBe('OCR of a picture, confidence 94%');
    expect(ocrMark({ confidence: 94.4, regions: 3 })).toBe('OCR of 3 pictures, confidence 94%');
    expect(ocrMark({ confidence: 94.4, regions: 0 })).toBe('OCR, confidence 94%');
    expect(ocrTitle({ confidence: 94, languages: ['eng'], regions: 2 })).toContain('pictures were read by OCR (eng)');
    expect(ocrTitle({ confidence: 94, regions: 2 })).not.toContain('is an image');
  });
  it('names the languages in the tooltip', () => {
    expect(ocrTitle({ confidence: 91, languages: ['eng', 'deu'] })).toContain('(eng, deu)');
    expect(ocrTitle({ confidence: 91 })).not.toContain('(');
  });
  it('travels with the first page of the PDF marks', () => {
    const ocr = { confidence: 88, languages: ['eng'] };
    const marks = pdfMarks({ page: 2, ocr, more: [{ page: 3 }] });
    expect(marks[0].ocr).toBe(ocr);
    expect(marks[1].ocr).toBeUndefined();
  });
});
