/**
 * The Table columns of EndpointSlices, as `pkg/printers/internalversion/printers.go` prints them
 * (`printEndpointSlice`, `formatDiscoveryPorts`, `formatDiscoveryEndpoints`): three ports and
 * three addresses at most, then `+ N more...`, and `<unset>` for none.
 */
import type { PrinterKit } from './printers-apps.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

type Printer = { columns: ReturnType<PrinterKit['col']>[]; row: (o: Obj, now: number) => { cells: unknown[] } };

const MAX = 3;

/** `listWithMoreString`. */
function listWithMore(items: readonly string[]): string {
  const shown = items.slice(0, MAX).join(',');
  if (items.length > MAX) return `${shown} + ${items.length - MAX} more...`;
  return shown === '' ? '<unset>' : shown;
}

/** `formatDiscoveryPorts`: a port's number, else its name, else `*`. */
export function formatDiscoveryPorts(ports: unknown): string {
  return listWithMore(
    list(ports).map((p) => (typeof p['port'] === 'number' ? String(p['port']) : typeof p['name'] === 'string' ? p['name'] : '*')),
  );
}

/** `formatDiscoveryEndpoints`: every address of every endpoint. */
export function formatDiscoveryEndpoints(endpoints: unknown): string {
  return listWithMore(list(endpoints).flatMap((e) => (Array.isArray(e['addresses']) ? e['addresses'].map(str) : [])));
}

/** The printer of `endpointslices`. */
export function discoveryPrinters(k: PrinterKit): Record<string, Printer> {
  const { col, NAME, AGE } = k;
  const endpointSlice: Printer = {
    columns: [
      NAME,
      col(
        'AddressType',
        'string',
        'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
      ),
      col(
        'Ports',
        'string',
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
      ),
      col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
      AGE,
    ],
    row: (o, now) => ({
      cells: [
        str(obj(o['metadata'])['name']),
        str(o['addressType']),
        formatDiscoveryPorts(o['ports']),
        formatDiscoveryEndpoints(o['endpoints']),
        k.ageSince(obj(o['metadata'])['creationTimestamp'], now),
      ],
    }),
  };
  return { endpointslices: endpointSlice };
}
