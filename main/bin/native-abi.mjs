// Which Node ABI a native addon was built for, read from the binary itself (the `node_register_module_vNNN`
// symbol that node.h's NODE_MODULE emits). Build tools here report success while producing the wrong ABI, so
// the binary is the only thing to trust.
import fs from 'node:fs';

/** The ABI number compiled into `file`, or null when none is found. */
export function abiOfBinary(file) {
  const text = fs.readFileSync(file).toString('latin1');
  const m = /node_register_module_v(\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}
