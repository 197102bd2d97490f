import { AwsServiceError } from '../edge/aws-json';
import { type RestRoute, restXmlResponse } from './protocols';
import { absoluteName, route53SortKey, type Route53Model } from './route53';
import { el, opt } from './xml';

/** One hosted zone as the listing calls describe it. */
interface ZoneView {
  readonly id: string;
  /** Absolute, lower case. */
  readonly name: string;
  readonly recordCount: number;
  readonly nameServers: readonly string[];
}

const MAX_ITEMS = 100;

/**
 * The hosted-zone reads support staff make (`aws route53 list-hosted-zones-by-name --dns-name ...`):
 * ListHostedZones, ListHostedZonesByName and GetHostedZone, over the account's zones (here, the one
 * customer zone), with Route 53's ordering and pages.
 */
export function hostedZoneRoutes(model: Route53Model): RestRoute[] {
  const zones = (): ZoneView[] => {
    const name = absoluteName(model.settings.zoneName);
    const records = model.records();
    const ns = records.find((record) => record.name === name && record.type === 'NS');
    return [{ id: model.settings.hostedZoneId, name, recordCount: records.length, nameServers: ns?.values ?? [] }];
  };

  return [
    {
      action: 'ListHostedZones',
      method: 'GET',
      path: /^\/2013-04-01\/hostedzone\/?$/,
      run: (request) => {
        const maxItems = maxItemsOf(request.query);
        const marker = request.query.get('marker');
        const type = request.query.get('hostedzonetype');
        if (type !== null && type !== 'PrivateHostedZone') throw new AwsServiceError('InvalidInput', `Invalid value for hostedzonetype: ${type}`);
        // Only public zones here: asking for private ones finds none.
        const all = type === null ? zones() : [];
        const start = marker === null ? 0 : all.findIndex((zone) => zone.id === marker);
        if (start === -1) throw new AwsServiceError('InvalidInput', `Invalid marker: ${marker}`);
        const page = all.slice(start, start + maxItems);
        const next = all[start + maxItems];
        return restXmlResponse(
          el(
            'ListHostedZonesResponse',
            el('HostedZones', ...page.map(hostedZone)),
            opt('Marker', marker),
            el('IsTruncated', next !== undefined),
            opt('NextMarker', next?.id),
            el('MaxItems', maxItems),
          ),
        );
      },
    },
    {
      action: 'ListHostedZonesByName',
      method: 'GET',
      path: /^\/2013-04-01\/hostedzonesbyname\/?$/,
      run: (request) => {
        const maxItems = maxItemsOf(request.query);
        const dnsName = request.query.get('dnsname');
        const zoneId = request.query.get('hostedzoneid');
        if (zoneId !== null && dnsName === null) throw new AwsServiceError('InvalidInput', 'The hostedzoneid parameter requires the dnsname parameter');
        // By name with the labels reversed (com.example.), then by id, as Route 53 lists them.
        const sorted = zones().sort((a, b) => compareKeys(route53SortKey(a.name), route53SortKey(b.name)) || compareKeys(a.id, b.id));
        const startKey = dnsName === null ? undefined : route53SortKey(dnsName);
        const start =
          startKey === undefined
            ? 0
            : sorted.findIndex((zone) => {
                const byName = compareKeys(route53SortKey(zone.name), startKey);
                return byName > 0 || (byName === 0 && (zoneId === null || compareKeys(zone.id, zoneId) >= 0));
              });
        const from = start === -1 ? sorted.length : start;
        const page = sorted.slice(from, from + maxItems);
        const next = sorted[from + maxItems];
        return restXmlResponse(
          el(
            'ListHostedZonesByNameResponse',
            el('HostedZones', ...page.map(hostedZone)),
            opt('DNSName', dnsName === null ? undefined : absoluteName(dnsName)),
            opt('HostedZoneId', zoneId),
            el('IsTruncated', next !== undefined),
            opt('NextDNSName', next?.name),
            opt('NextHostedZoneId', next?.id),
            el('MaxItems', maxItems),
          ),
        );
      },
    },
    {
      action: 'GetHostedZone',
      method: 'GET',
      path: /^\/2013-04-01\/hostedzone\/([^/]+)$/,
      run: (_request, [, rawId]) => {
        const id = decodeURIComponent(rawId).replace(/^\/?hostedzone\//, '');
        const zone = zones().find((candidate) => candidate.id === id);
        if (!zone) throw new AwsServiceError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
        return restXmlResponse(
          el(
            'GetHostedZoneResponse',
            hostedZone(zone),
            el('DelegationSet', el('NameServers', ...zone.nameServers.map((server) => el('NameServer', server.replace(/\.$/, ''))))),
          ),
        );
      },
    },
  ];
}

function hostedZone(zone: ZoneView) {
  return el(
    'HostedZone',
    el('Id', `/hostedzone/${zone.id}`),
    el('Name', zone.name),
    el('CallerReference', `stackpro-local-${zone.id}`),
    el('Config', el('Comment', 'StackPro customer subdomains (local sandbox)'), el('PrivateZone', false)),
    el('ResourceRecordSetCount', zone.recordCount),
  );
}

function maxItemsOf(query: URLSearchParams): number {
  const raw = query.get('maxitems');
  if (raw === null) return MAX_ITEMS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new AwsServiceError('InvalidInput', `Invalid value for maxitems: ${raw}`);
  return Math.min(value, MAX_ITEMS);
}

function compareKeys(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
