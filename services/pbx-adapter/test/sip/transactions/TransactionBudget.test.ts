// TransactionBudget: working transactions against the limit and a source's share; absorbing ones
// counted only against the live total, the oldest ended early to make room.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionBudget } from '../../../src/sip/transactions/TransactionBudget.ts';

class Tx {
  terminated = false;
  readonly name: string;
  readonly #budget: TransactionBudget<Tx>;
  constructor(name: string, budget: TransactionBudget<Tx>) {
    this.name = name;
    this.#budget = budget;
  }
  terminate(): void {
    this.terminated = true;
    // As the layer does on 'terminated'.
    this.#budget.remove(this);
  }
}

type Step = ['admit', string | undefined, boolean] | ['add', string, string | undefined] | ['settle', string] | ['remove', string];

const cases: Array<{ name: string; limit: number; perSource?: number; steps: Step[]; working: number; size: number; evicted: string[] }> = [
  {
    name: 'working transactions fill the limit',
    limit: 2,
    steps: [['admit', undefined, true], ['add', 'a', undefined], ['admit', undefined, true], ['add', 'b', undefined], ['admit', undefined, false]],
    working: 2, size: 2, evicted: [],
  },
  {
    name: 'an absorbing one makes room for a new one, and the oldest absorbing one goes first',
    limit: 2,
    steps: [['add', 'a', undefined], ['add', 'b', undefined], ['settle', 'b'], ['settle', 'a'], ['admit', undefined, true], ['add', 'c', undefined]],
    working: 1, size: 2, evicted: ['b'],
  },
  {
    name: 'a source holds its share of working ones; its absorbing ones do not count',
    limit: 10, perSource: 2,
    steps: [['add', 'a', 'pbx'], ['add', 'b', 'pbx'], ['admit', 'pbx', false], ['admit', 'other', true], ['settle', 'a'], ['admit', 'pbx', true]],
    working: 1, size: 2, evicted: [],
  },
  {
    name: 'remove frees a working place and an absorbing one; settle and remove are idempotent',
    limit: 1,
    steps: [['add', 'a', undefined], ['settle', 'a'], ['settle', 'a'], ['remove', 'a'], ['remove', 'a'], ['admit', undefined, true]],
    working: 0, size: 0, evicted: [],
  },
  {
    name: 'a limit of 0 admits nothing',
    limit: 0,
    steps: [['admit', undefined, false], ['admit', 'x', false]],
    working: 0, size: 0, evicted: [],
  },
];

describe('TransactionBudget', () => {
  for (const c of cases) {
    it(c.name, () => {
      const budget = new TransactionBudget<Tx>(c.limit, c.perSource);
      const txs = new Map<string, Tx>();
      const tx = (name: string): Tx => txs.get(name) ?? txs.set(name, new Tx(name, budget)).get(name)!;
      for (const step of c.steps) {
        if (step[0] === 'admit') assert.equal(budget.admit(step[1]), step[2], `admit(${step[1]})`);
        else if (step[0] === 'add') budget.add(tx(step[1]), step[2]);
        else if (step[0] === 'settle') budget.settle(tx(step[1]));
        else budget.remove(tx(step[1]));
      }
      assert.equal(budget.working, c.working, 'working');
      assert.equal(budget.size, c.size, 'live');
      assert.deepEqual([...txs.values()].filter((t) => t.terminated).map((t) => t.name), c.evicted, 'ended early');
      assert.equal(budget.evicted, c.evicted.length);
    });
  }

  it('load is the working share', () => {
    const budget = new TransactionBudget<Tx>(4);
    const a = new Tx('a', budget);
    budget.add(a);
    budget.add(new Tx('b', budget));
    assert.equal(budget.load, 0.5);
    budget.settle(a);
    assert.equal(budget.load, 0.25);
    assert.equal(new TransactionBudget<Tx>(0).load, 1);
  });
});
