// Node module hook: `import … from 'electron'` resolves to the stand-in beside this file.
const double = new URL('./electron-double.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: double, shortCircuit: true };
  return nextResolve(specifier, context);
}
