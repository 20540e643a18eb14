// Encodes TC strings with the IAB's own encoder; see vectors.json.
const { TCModel, TCString, GVL } = require('@iabtcf/core');
// A minimal GVL so the encoder can run offline.
const gvl = new GVL({
  gvlSpecificationVersion: 3, vendorListVersion: 50, tcfPolicyVersion: 5, lastUpdated: '2024-01-01T00:00:00Z',
  purposes: Object.fromEntries([...Array(11).keys()].map(i => [i+1, {id: i+1, name: 'p'+(i+1), description: ''}])),
  specialPurposes: {}, features: {}, specialFeatures: {1: {id:1,name:'sf1',description:''}, 2: {id:2,name:'sf2',description:''}}, stacks: {},
  vendors: Object.fromEntries([1, 2, 755, 1000].map(v => [v, {id: v, name: 'v'+v, purposes: [1,2,3,4,7,8,9], legIntPurposes: [], flexiblePurposes: [], specialPurposes: [], features: [], specialFeatures: [], policyUrl: 'https://x'}])),
});
const cases = [
  ['all', [1,2,3,4,5,6,7,8,9,10,11], [1,2,755,1000]],
  ['none', [], []],
  ['p1 only', [1], [755]],
  ['analytics', [1,8,9], [755]],
  ['marketing w/o p1', [2,3,4,7,8,9], [755]],
  ['marketing', [1,2,3,4,7], [1, 1000]],
  ['li only', [], []],
];
const out = [];
for (const [name, purposes, vendors] of cases) {
  const m = new TCModel(gvl);
  m.cmpId = 10; m.cmpVersion = 2; m.consentScreen = 1; m.isServiceSpecific = true;
  purposes.forEach(p => m.purposeConsents.set(p));
  vendors.forEach(v => m.vendorConsents.set(v));
  if (name === 'li only') { [2,7,8,9].forEach(p => m.purposeLegitimateInterests.set(p)); m.vendorLegitimateInterests.set(755); }
  out.push({ name, purposes, tc: TCString.encode(m) });
}
console.log(JSON.stringify(out));
