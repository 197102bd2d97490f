import { bucketOf, bucketValue, percentile, RELATIVE_ERROR, summarize } from '../../../lambdas/messaging/analytics/histogram';
import { factsOf, REPLAY_HORIZON_DAYS, type ImageRecord } from '../../../lambdas/messaging/analytics/facts';
import { buildReport, csvField, toCsv, type DayAggregate } from '../../../lambdas/messaging/analytics/report';

const histogramOf = (values: readonly number[]) => {
  const counts: Record<number, number> = {};
  for (const value of values) counts[bucketOf(value)] = (counts[bucketOf(value)] ?? 0) + 1;
  return counts;
};
/** Nearest rank over the exact values: what the histogram approximates. */
const exactPercentile = (values: readonly number[], fraction: number) => [...values].sort((x, y) => x - y)[Math.max(1, Math.ceil(fraction * values.length)) - 1]!;

describe('duration histograms', () => {
  it('report every percentile within the documented bound of the exact nearest-rank value', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let round = 0; round < 50; round++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(1 + random() ** 3 * 30 * 86_400));
      for (const fraction of [0.5, 0.9]) {
        const exact = exactPercentile(values, fraction);
        const reported = percentile(histogramOf(values), fraction)!;
        // Rounded to whole seconds, so half a second more.
        expect(Math.abs(reported - exact)).toBeLessThanOrEqual(exact * RELATIVE_ERROR + 0.5);
      }
    }
    expect(RELATIVE_ERROR).toBeCloseTo(0.0443, 4);
  });

  it('buckets are contiguous and each reports a value inside itself; under a second reads as 0', () => {
    expect([bucketOf(0), bucketOf(0.999), bucketOf(1)]).toEqual([0, 0, 1]);
    for (let bucket = 1; bucket < 250; bucket++) {
      const value = bucketValue(bucket);
      expect(bucketOf(value)).toBe(bucket);
    }
    expect(bucketValue(0)).toBe(0);
    expect(bucketOf(2 ** 10)).toBe(bucketOf(2 ** 10 * 1.0001));
  });

  it('uses the nearest rank: the median of two is the lower, p90 of ten is the ninth', () => {
    expect(percentile(histogramOf([10, 1000]), 0.5)).toBe(Math.round(bucketValue(bucketOf(10))));
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 900, 1000].map((v) => v * 60);
    expect(percentile(histogramOf(ten), 0.9)).toBe(Math.round(bucketValue(bucketOf(900 * 60))));
    expect(summarize({})).toEqual({ count: 0 });
    expect(summarize(histogramOf([30]))).toEqual({ count: 1, medianSeconds: Math.round(bucketValue(bucketOf(30))), p90Seconds: Math.round(bucketValue(bucketOf(30))) });
  });
});

describe('facts from stream images', () => {
  const WRITTEN = Date.parse('2026-12-02T00:00:30.000Z');
  const conversation = (overrides: Record<string, unknown> = {}): ImageRecord => ({
    eventName: 'MODIFY',
    writtenAt: WRITTEN,
    image: { type: 'conversation', customerId: 'c1', conversationId: 'cv_1', channel: 'sms', status: 'open', episode: 1, openedAt: '2026-12-01T23:59:50.000Z', episodeOpenedBy: 'in', ...overrides },
  });

  it('counts an episode on the UTC day it opened and its first response on the reply\'s day', () => {
    const facts = factsOf(conversation({ firstResponseAt: '2026-12-02T00:00:20.000Z' }));
    expect(facts).toEqual([
      { factId: 'OPEN#cv_1#1', customerId: 'c1', channel: 'sms', date: '2026-12-01', increments: { opened: 1 } },
      { factId: 'FIRST#cv_1#1', customerId: 'c1', channel: 'sms', date: '2026-12-02', increments: { [`frt_${bucketOf(30)}`]: 1 } },
    ]);
  });

  it('gives a reopened conversation new fact ids (its episode), and a staff reopen no first-response clock', () => {
    const reopened = factsOf(conversation({ episode: 2, openedAt: '2026-12-02T00:00:00.000Z', episodeOpenedBy: 'staff', firstResponseAt: '2026-12-02T00:00:10.000Z' }));
    expect(reopened.map((fact) => fact.factId)).toEqual(['OPEN#cv_1#2']);
    const resolved = factsOf(conversation({ status: 'resolved', resolvedAt: '2026-12-02T00:00:20.000Z' }));
    expect(resolved.at(-1)).toEqual({ factId: 'RESOLVED#cv_1#1', customerId: 'c1', channel: 'sms', date: '2026-12-02', increments: { resolved: 1, [`res_${bucketOf(30)}`]: 1 } });
    // A resolution time recorded but the conversation open again (a later image of another episode) is not counted.
    expect(factsOf(conversation({ resolvedAt: '2026-12-02T00:00:20.000Z' })).map((fact) => fact.factId)).toEqual(['OPEN#cv_1#1']);
  });

  it('skips facts older than the replay horizon (their markers may have expired; they were counted when they happened)', () => {
    const old = new Date(WRITTEN - (REPLAY_HORIZON_DAYS + 1) * 86_400_000).toISOString();
    expect(factsOf(conversation({ openedAt: old, status: 'resolved', resolvedAt: '2026-12-02T00:00:00.000Z' })).map((fact) => fact.factId)).toEqual(['RESOLVED#cv_1#1']);
  });

  it('counts a message from the record that inserted it only; ignores other items, removals and unreadable images', () => {
    const message = { type: 'message', customerId: 'c1', conversationId: 'cv_1', channel: 'whatsapp', messageId: 'm1', direction: 'out', sentAt: '2026-12-01T10:00:00.000Z', status: 'queued' };
    expect(factsOf({ eventName: 'INSERT', writtenAt: WRITTEN, image: message })).toEqual([{ factId: 'MSG#cv_1#m1', customerId: 'c1', channel: 'whatsapp', date: '2026-12-01', increments: { outgoing: 1 } }]);
    expect(factsOf({ eventName: 'MODIFY', writtenAt: WRITTEN, image: { ...message, status: 'delivered' } })).toEqual([]);
    expect(factsOf({ eventName: 'REMOVE', writtenAt: WRITTEN, image: undefined })).toEqual([]);
    expect(factsOf({ eventName: 'INSERT', writtenAt: WRITTEN, image: { type: 'analyticsDay', customerId: 'c1', channel: 'sms' } })).toEqual([]);
    expect(factsOf({ eventName: 'INSERT', writtenAt: WRITTEN, image: { ...message, channel: 'fax' } })).toEqual([]);
    expect(factsOf({ eventName: 'INSERT', writtenAt: WRITTEN, image: { ...message, sentAt: 'yesterday' } })).toEqual([]);
    expect(factsOf(conversation({ episode: '1' }))).toEqual([]);
  });
});

describe('the report', () => {
  const day = (date: string, channel: 'sms' | 'whatsapp', overrides: Partial<DayAggregate> = {}): DayAggregate => ({
    date,
    channel,
    incoming: 1,
    outgoing: 2,
    opened: 1,
    resolved: 0,
    firstResponse: {},
    resolution: {},
    ...overrides,
  });

  it('sorts rows by date then channel and takes totals\' percentiles over all values, not an average of days', () => {
    const report = buildReport({ from: '2026-12-01', to: '2026-12-02' }, [
      day('2026-12-02', 'sms', { firstResponse: histogramOf([10, 10, 10]) }),
      day('2026-12-01', 'whatsapp', { firstResponse: histogramOf([1000]) }),
      day('2026-12-01', 'sms'),
    ]);
    expect(report.rows.map((row) => `${row.date} ${row.channel}`)).toEqual(['2026-12-01 sms', '2026-12-01 whatsapp', '2026-12-02 sms']);
    expect(report.totals).toMatchObject({ incoming: 3, outgoing: 6, opened: 3, resolved: 0, resolution: { count: 0 } });
    expect(report.totals.firstResponse).toEqual({ count: 4, medianSeconds: Math.round(bucketValue(bucketOf(10))), p90Seconds: Math.round(bucketValue(bucketOf(1000))) });
  });

  it('exports RFC 4180 CSV: a header row, CRLF, empty cells for no values, quoted fields when needed', () => {
    const csv = toCsv(buildReport({ from: '2026-12-01', to: '2026-12-01' }, [day('2026-12-01', 'sms', { firstResponse: histogramOf([60]) })]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'date,channel,incoming,outgoing,opened,resolved,first_response_count,first_response_median_seconds,first_response_p90_seconds,resolution_count,resolution_median_seconds,resolution_p90_seconds',
    );
    const sixty = Math.round(bucketValue(bucketOf(60)));
    expect(lines[1]).toBe(`2026-12-01,sms,1,2,1,0,1,${sixty},${sixty},0,,`);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect([csvField('a,b'), csvField('say "hi"'), csvField('two\nlines'), csvField(7)]).toEqual(['"a,b"', '"say ""hi"""', '"two\nlines"', '7']);
    expect(toCsv(buildReport({ from: '2026-12-01', to: '2026-12-01' }, []))).toBe(`${lines[0]}\r\n`);
  });
});
