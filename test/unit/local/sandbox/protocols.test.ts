import { listParam, structListParam } from '../../../../local/sandbox/protocols';
import { el, itemSet, parseXml, xmlDocument, childText, children, child } from '../../../../local/sandbox/xml';
import { compareRecords, route53SortKey } from '../../../../local/sandbox/route53';

describe('the XML writer and parser', () => {
  it('writes EC2-style item lists, escapes text and omits absent members', () => {
    const xml = xmlDocument(el('R', itemSet('tagSet', [[el('key', 'a&b'), el('value', '<x>')]]), el('empty'), undefined));

    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<R><tagSet><item><key>a&amp;b</key><value>&lt;x&gt;</value></item></tagSet><empty/></R>');
  });

  it('parses a Route 53 change batch as the SDK serializes it', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>a.b</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>&quot;v=1 &amp; x&quot;</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes><Comment>c</Comment></ChangeBatch></ChangeResourceRecordSetsRequest>',
    );

    const change = children(child(child(root, 'ChangeBatch'), 'Changes'), 'Change')[0];
    expect(childText(change, 'Action')).toBe('UPSERT');
    expect(childText(child(child(child(change, 'ResourceRecordSet'), 'ResourceRecords'), 'ResourceRecord'), 'Value')).toBe('"v=1 & x"');
  });

  it.each(['', '<a>', '<a></b>', '<a/><b/>', 'text<a/>'])('refuses malformed XML %j', (source) => {
    expect(() => parseXml(source)).toThrow();
  });
});

describe('ec2Query form parameters', () => {
  // The body EC2Client sends for our RunInstances and DescribeInstances calls.
  const run = new URLSearchParams(
    'Action=RunInstances&Version=2016-11-15&MaxCount=1&MinCount=1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Customer&TagSpecification.1.Tag.1.Value=c1&TagSpecification.1.Tag.2.Key=ManagedBy&TagSpecification.1.Tag.2.Value=stackpro&TagSpecification.2.ResourceType=volume&LaunchTemplate.LaunchTemplateId=lt-1',
  );
  const describe = new URLSearchParams('InstanceId.2=i-2&InstanceId.1=i-1&Filter.1.Name=tag%3ACustomer&Filter.1.Value.1=c1&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running');

  it('reads flattened lists in index order', () => {
    expect(listParam(describe, 'InstanceId')).toEqual(['i-1', 'i-2']);
  });

  it('reads lists of structures, each with its own nested lists', () => {
    const filters = structListParam(describe, 'Filter').map((group) => ({ name: group.get('Name'), values: listParam(group, 'Value') }));
    const tags = structListParam(structListParam(run, 'TagSpecification')[0], 'Tag').map((tag) => [tag.get('Key'), tag.get('Value')]);

    expect(filters).toEqual([
      { name: 'tag:Customer', values: ['c1'] },
      { name: 'instance-state-name', values: ['pending', 'running'] },
    ]);
    expect(tags).toEqual([
      ['Customer', 'c1'],
      ['ManagedBy', 'stackpro'],
    ]);
  });
});

describe('Route 53 listing order', () => {
  it('reverses the labels, keeping the trailing dot', () => {
    expect(route53SortKey('WWW.Example.com')).toBe('com.example.www.');
  });

  it('sorts by reversed name, then type, so a subdomain and everything under it form one run', () => {
    const names = [
      { name: 'tok2._domainkey.acme.customers.test.', type: 'CNAME' },
      { name: 'acme-2.customers.test.', type: 'A' },
      { name: 'acme.customers.test.', type: 'TXT' },
      { name: 'zeta.customers.test.', type: 'A' },
      { name: 'acme.customers.test.', type: 'A' },
      { name: 'customers.test.', type: 'SOA' },
      { name: 'tok1._domainkey.acme.customers.test.', type: 'CNAME' },
      { name: 'customers.test.', type: 'NS' },
    ];

    const sorted = [...names].sort(compareRecords).map((record) => `${record.name} ${record.type}`);

    expect(sorted).toEqual([
      'customers.test. NS',
      'customers.test. SOA',
      // '-' (45) sorts before '.' (46): acme-2 comes before acme's own run, as in Route 53.
      'acme-2.customers.test. A',
      'acme.customers.test. A',
      'acme.customers.test. TXT',
      'tok1._domainkey.acme.customers.test. CNAME',
      'tok2._domainkey.acme.customers.test. CNAME',
      'zeta.customers.test. A',
    ]);
  });
});
