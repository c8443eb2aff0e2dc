//! Certificate-policy processing: the `valid_policy_tree` of RFC 5280 §6.1.
//!
//! The tree is stored by depth; each node knows its parent's index at the previous depth.
//! Deleting a node marks it and its descendants dead; pruning removes nodes without children.

use std::collections::BTreeSet;

use super::certificate::ANY_POLICY;

#[derive(Clone, Debug)]
struct Node {
    policy: String,
    expected: BTreeSet<String>,
    parent: usize,
    alive: bool,
}

/// The valid policy tree. `None` levels mean the tree is NULL.
#[derive(Clone, Debug)]
pub(crate) struct PolicyTree {
    levels: Vec<Vec<Node>>,
    null: bool,
}

impl PolicyTree {
    /// The initial tree: one anyPolicy node at depth 0.
    pub(crate) fn new() -> Self {
        let root = Node {
            policy: ANY_POLICY.into(),
            expected: BTreeSet::from([ANY_POLICY.to_owned()]),
            parent: 0,
            alive: true,
        };
        Self {
            levels: vec![vec![root]],
            null: false,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        self.null
    }

    pub(crate) fn set_null(&mut self) {
        self.null = true;
    }

    fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    /// RFC 5280 §6.1.3 (d): processes certificate `i`'s policies.
    pub(crate) fn process_certificate(&mut self, policies: &[String], any_policy_allowed: bool) {
        if self.null {
            return;
        }
        let prev = self.depth();
        let mut level: Vec<Node> = Vec::new();
        // (d)(1)
        for p in policies.iter().filter(|p| *p != ANY_POLICY) {
            let mut matched = false;
            for (idx, parent) in self.levels[prev].iter().enumerate() {
                if parent.alive && parent.expected.contains(p) {
                    level.push(Node {
                        policy: p.clone(),
                        expected: BTreeSet::from([p.clone()]),
                        parent: idx,
                        alive: true,
                    });
                    matched = true;
                }
            }
            if !matched
                && let Some(idx) = self.levels[prev]
                    .iter()
                    .position(|n| n.alive && n.policy == ANY_POLICY)
            {
                level.push(Node {
                    policy: p.clone(),
                    expected: BTreeSet::from([p.clone()]),
                    parent: idx,
                    alive: true,
                });
            }
        }
        // (d)(2)
        if any_policy_allowed && policies.iter().any(|p| p == ANY_POLICY) {
            for (idx, parent) in self.levels[prev].iter().enumerate() {
                if !parent.alive {
                    continue;
                }
                for e in &parent.expected {
                    let exists = level.iter().any(|n| n.parent == idx && &n.policy == e);
                    if !exists {
                        level.push(Node {
                            policy: e.clone(),
                            expected: BTreeSet::from([e.clone()]),
                            parent: idx,
                            alive: true,
                        });
                    }
                }
            }
        }
        self.levels.push(level);
        // (d)(3)
        self.prune();
    }

    /// RFC 5280 §6.1.4 (b): applies certificate `i`'s policy mappings.
    pub(crate) fn apply_mappings(&mut self, mappings: &[(String, String)], mapping_allowed: bool) {
        if self.null {
            return;
        }
        let depth = self.depth();
        let issuer_policies: BTreeSet<&String> = mappings.iter().map(|(i, _)| i).collect();
        for id_p in issuer_policies {
            let mapped: BTreeSet<String> = mappings
                .iter()
                .filter(|(i, _)| i == id_p)
                .map(|(_, s)| s.clone())
                .collect();
            if mapping_allowed {
                let mut found = false;
                for n in self.levels[depth]
                    .iter_mut()
                    .filter(|n| n.alive && &n.policy == id_p)
                {
                    n.expected = mapped.clone();
                    found = true;
                }
                if !found
                    && let Some(any) = self.levels[depth]
                        .iter()
                        .find(|n| n.alive && n.policy == ANY_POLICY)
                {
                    let node = Node {
                        policy: id_p.clone(),
                        expected: mapped,
                        parent: any.parent,
                        alive: true,
                    };
                    self.levels[depth].push(node);
                }
            } else {
                for n in self.levels[depth].iter_mut().filter(|n| &n.policy == id_p) {
                    n.alive = false;
                }
                self.prune();
            }
        }
    }

    /// Removes nodes (other than at the deepest level) that have no live children.
    fn prune(&mut self) {
        self.prune_down();
        for d in (0..self.depth()).rev() {
            let children: BTreeSet<usize> = self.levels[d + 1]
                .iter()
                .filter(|n| n.alive)
                .map(|n| n.parent)
                .collect();
            for (idx, n) in self.levels[d].iter_mut().enumerate() {
                if !children.contains(&idx) {
                    n.alive = false;
                }
            }
        }
        if !self.levels[0][0].alive {
            self.null = true;
        }
    }

    /// RFC 5280 §6.1.5 (g): intersects with the user-initial-policy-set and returns the
    /// user-constrained policy set (empty if the intersection is NULL).
    pub(crate) fn intersect(&mut self, user_initial: &BTreeSet<String>) -> BTreeSet<String> {
        if self.null {
            return BTreeSet::new();
        }
        let n = self.depth();
        if !user_initial.contains(ANY_POLICY) {
            // valid_policy_node_set: live nodes whose parent is anyPolicy.
            let mut node_set_policies = BTreeSet::new();
            for d in 1..=n {
                for i in 0..self.levels[d].len() {
                    let node = &self.levels[d][i];
                    if !node.alive || self.levels[d - 1][node.parent].policy != ANY_POLICY {
                        continue;
                    }
                    if node.policy != ANY_POLICY && !user_initial.contains(&node.policy) {
                        self.levels[d][i].alive = false;
                    } else {
                        node_set_policies.insert(node.policy.clone());
                    }
                }
            }
            self.prune_down();
            let any_leaf = self.levels[n]
                .iter()
                .position(|x| x.alive && x.policy == ANY_POLICY);
            if let Some(any_idx) = any_leaf {
                let parent = self.levels[n][any_idx].parent;
                for p in user_initial
                    .iter()
                    .filter(|p| !node_set_policies.contains(*p))
                {
                    self.levels[n].push(Node {
                        policy: p.clone(),
                        expected: BTreeSet::from([p.clone()]),
                        parent,
                        alive: true,
                    });
                }
                self.levels[n][any_idx].alive = false;
            }
            self.prune();
        }
        if self.null {
            return BTreeSet::new();
        }
        self.levels[n]
            .iter()
            .filter(|x| x.alive)
            .map(|x| x.policy.clone())
            .collect()
    }

    fn prune_down(&mut self) {
        for d in 1..self.levels.len() {
            let (upper, lower) = self.levels.split_at_mut(d);
            for node in lower[0].iter_mut() {
                if !upper[d - 1][node.parent].alive {
                    node.alive = false;
                }
            }
        }
    }
}
