/** The tests' seeded PRNG is the one the proxy draws toxicity with (mulberry32): print the seed to replay a failing run. */
export { seededRandom as prng } from '../../src/proxy/faults/random.js';
