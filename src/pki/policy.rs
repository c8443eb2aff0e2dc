//! Certificate-policy processing: the `valid_policy_graph` of RFC 9618, which replaces the
//! `valid_policy_tree` of RFC 5280 §6.1.
//!
//! RFC 5280's tree copies a node under every parent that expects its policy, so certificates
//! that map many policies to many others multiply it at every level: 16 policies mapped
//! all-to-all over 8 certificates make 16⁸ nodes (CVE-2023-0464 in OpenSSL). RFC 9618 keeps one
//! node per policy and depth, with a list of parents, and computes the same
//! `user_constrained_policy_set`; the graph grows with the certificates' policies and mappings
//! only, never with their product over the path. Every node, edge and expected policy made is
//! counted in [`PolicyGraph::work`], which the validator charges to its work budget.
//!
//! Policy qualifiers are not kept (signflow returns none).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::certificate::ANY_POLICY;

/// Interned policy OID; [`ANY`] is anyPolicy.
type PolicyId = u32;
const ANY: PolicyId = 0;

#[derive(Clone, Debug)]
struct Node {
    policy: PolicyId,
    /// Sorted, without duplicates.
    expected: Vec<PolicyId>,
    /// Indexes of the parents at the previous depth (empty at depth 0).
    parents: Vec<u32>,
    alive: bool,
}

#[derive(Clone, Debug, Default)]
struct Level {
    nodes: Vec<Node>,
    /// The live node of each valid_policy (at most one per depth, RFC 9618 §6.1.2 (a)).
    by_policy: HashMap<PolicyId, u32>,
}

impl Level {
    fn live(&self, policy: PolicyId) -> Option<u32> {
        self.by_policy
            .get(&policy)
            .copied()
            .filter(|&i| self.nodes[i as usize].alive)
    }

    fn push(&mut self, node: Node) {
        let idx = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.by_policy.insert(node.policy, idx);
        self.nodes.push(node);
    }
}

/// The valid policy graph; once NULL it stays NULL.
#[derive(Clone, Debug)]
pub(crate) struct PolicyGraph {
    ids: HashMap<String, PolicyId>,
    names: Vec<String>,
    levels: Vec<Level>,
    null: bool,
    work: u64,
}

impl PolicyGraph {
    /// The initial graph: one anyPolicy node at depth 0 expecting anyPolicy.
    pub(crate) fn new() -> Self {
        let mut root = Level::default();
        root.push(Node {
            policy: ANY,
            expected: vec![ANY],
            parents: Vec::new(),
            alive: true,
        });
        Self {
            ids: HashMap::from([(ANY_POLICY.to_owned(), ANY)]),
            names: vec![ANY_POLICY.to_owned()],
            levels: vec![root],
            null: false,
            work: 1,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        self.null
    }

    /// RFC 5280 §6.1.3 (e): no certificatePolicies extension.
    pub(crate) fn set_null(&mut self) {
        self.null = true;
    }

    /// Units of work spent so far: nodes, parent edges and expected policies made, and the
    /// entries visited while indexing and pruning.
    pub(crate) fn work(&self) -> u64 {
        self.work
    }

    fn id(&mut self, oid: &str) -> PolicyId {
        if let Some(&id) = self.ids.get(oid) {
            return id;
        }
        let id = PolicyId::try_from(self.names.len()).unwrap_or(PolicyId::MAX);
        self.ids.insert(oid.to_owned(), id);
        self.names.push(oid.to_owned());
        id
    }

    fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    /// RFC 9618 §6.1.3 (d): processes certificate `i`'s policies (dotted OIDs).
    pub(crate) fn process_certificate(&mut self, policies: &[String], any_policy_allowed: bool) {
        if self.null {
            return;
        }
        let prev = self.depth();
        // For each expected policy at depth i-1, the live nodes expecting it (in order).
        let mut expecting: BTreeMap<PolicyId, Vec<u32>> = BTreeMap::new();
        for (idx, node) in self.levels[prev].nodes.iter().enumerate() {
            if node.alive {
                for &e in &node.expected {
                    expecting
                        .entry(e)
                        .or_default()
                        .push(u32::try_from(idx).unwrap_or(u32::MAX));
                }
                self.work += node.expected.len() as u64;
            }
        }
        let any_parent = self.levels[prev].live(ANY);
        let mut level = Level::default();
        let mut asserts_any = false;
        for p in policies {
            if p == ANY_POLICY {
                asserts_any = true;
                continue;
            }
            let id = self.id(p);
            if level.by_policy.contains_key(&id) {
                continue; // the policy repeats in the extension
            }
            // (d)(1)(i) parents that expect P; (ii) else anyPolicy at depth i-1.
            let parents = match (expecting.get(&id), any_parent) {
                (Some(parents), _) => parents.clone(),
                (None, Some(any)) => vec![any],
                (None, None) => continue,
            };
            self.work += 2 + parents.len() as u64;
            level.push(Node {
                policy: id,
                expected: vec![id],
                parents,
                alive: true,
            });
        }
        // (d)(2) anyPolicy asserted: every expected policy (anyPolicy included) not yet made.
        if asserts_any && any_policy_allowed {
            for (&e, parents) in &expecting {
                if level.by_policy.contains_key(&e) {
                    continue;
                }
                self.work += 2 + parents.len() as u64;
                level.push(Node {
                    policy: e,
                    expected: vec![e],
                    parents: parents.clone(),
                    alive: true,
                });
            }
        }
        self.levels.push(level);
        // (d)(3)
        self.prune();
    }

    /// RFC 9618 §6.1.4 (b): applies certificate `i`'s policy mappings (issuerDomainPolicy,
    /// subjectDomainPolicy); none may involve anyPolicy (the caller checks §6.1.4 (a)).
    pub(crate) fn apply_mappings(&mut self, mappings: &[(String, String)], mapping_allowed: bool) {
        if self.null {
            return;
        }
        let mut by_issuer: BTreeMap<PolicyId, BTreeSet<PolicyId>> = BTreeMap::new();
        for (issuer, subject) in mappings {
            let (i, s) = (self.id(issuer), self.id(subject));
            by_issuer.entry(i).or_default().insert(s);
        }
        self.work += mappings.len() as u64;
        let depth = self.depth();
        let level = &mut self.levels[depth];
        for (id_p, subjects) in by_issuer {
            if mapping_allowed {
                let expected: Vec<PolicyId> = subjects.into_iter().collect();
                self.work += 1 + expected.len() as u64;
                if let Some(idx) = level.live(id_p) {
                    // (b)(1)
                    level.nodes[idx as usize].expected = expected;
                } else if let Some(any) = level.live(ANY) {
                    // (b)(2): a child of the anyPolicy node at depth i-1.
                    let parents = level.nodes[any as usize].parents.clone();
                    level.push(Node {
                        policy: id_p,
                        expected,
                        parents,
                        alive: true,
                    });
                }
            } else if let Some(idx) = level.live(id_p) {
                // (b)(3)(i)
                level.nodes[idx as usize].alive = false;
            }
        }
        if !mapping_allowed {
            // (b)(3)(ii)
            self.prune();
        }
    }

    /// Deletes the nodes of depth i-1 or less without live children, repeatedly (one pass
    /// from the deepest level up suffices: a node loses children only from the level below).
    fn prune(&mut self) {
        for d in (0..self.depth()).rev() {
            let (upper, lower) = self.levels.split_at_mut(d + 1);
            let (parents_level, children) = (&mut upper[d], &lower[0]);
            let mut has_child = vec![false; parents_level.nodes.len()];
            for child in children.nodes.iter().filter(|c| c.alive) {
                for &p in &child.parents {
                    if let Some(slot) = has_child.get_mut(p as usize) {
                        *slot = true;
                    }
                }
                self.work += child.parents.len() as u64;
            }
            for (node, keep) in parents_level.nodes.iter_mut().zip(has_child) {
                node.alive &= keep;
            }
        }
        if !self.levels[0].nodes[0].alive {
            self.null = true;
        }
    }

    /// RFC 9618 §6.1.5 (g): the user_constrained_policy_set for `user_initial` (a set holding
    /// anyPolicy means any-policy). Empty when the graph is NULL.
    ///
    /// The policies are those of the trust anchor's domain: the policies asserted directly
    /// under anyPolicy (before any mapping renamed them), or the requested ones where the whole
    /// path allows anyPolicy.
    pub(crate) fn user_constrained_policy_set(
        &mut self,
        user_initial: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        if self.null {
            return BTreeSet::new();
        }
        let n = self.depth();
        // (g)(2) nodes (not anyPolicy) whose only parent is anyPolicy; (g)(3) anyPolicy at n.
        let mut authority: BTreeSet<PolicyId> = BTreeSet::new();
        for d in 1..=n {
            let (upper, lower) = self.levels.split_at(d);
            for node in lower[0].nodes.iter().filter(|x| x.alive) {
                self.work += 1;
                let under_any = match node.parents.as_slice() {
                    [p] => upper[d - 1].nodes[*p as usize].policy == ANY,
                    _ => false,
                };
                if (node.policy != ANY && under_any) || (node.policy == ANY && d == n) {
                    authority.insert(node.policy);
                }
            }
        }
        let name = |id: &PolicyId| self.names[*id as usize].clone();
        if user_initial.contains(ANY_POLICY) {
            return authority.iter().map(name).collect();
        }
        // (g)(5)
        let mut out: BTreeSet<String> = authority
            .iter()
            .map(name)
            .filter(|p| user_initial.contains(p))
            .collect();
        if authority.contains(&ANY) {
            out.extend(user_initial.iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn all_to_all_mappings_stay_linear() {
        // 16 policies mapped all-to-all over 8 certificates: 16^8 nodes in RFC 5280's tree.
        let policies: Vec<String> = (0..16).map(|i| format!("1.2.3.{i}")).collect();
        let mappings: Vec<(String, String)> = policies
            .iter()
            .flat_map(|a| policies.iter().map(move |b| (a.clone(), b.clone())))
            .collect();
        let mut g = PolicyGraph::new();
        for _ in 0..8 {
            g.process_certificate(&policies, true);
            g.apply_mappings(&mappings, true);
        }
        g.process_certificate(&policies, true);
        assert!(!g.is_null());
        let out = g.user_constrained_policy_set(&set(&[ANY_POLICY]));
        assert_eq!(out, policies.iter().cloned().collect());
        // Per level: 16 nodes with 16 parents and 16 expected policies each.
        assert!(g.work() < 30_000, "{}", g.work());
    }

    #[test]
    fn mapping_renames_in_the_anchor_domain() {
        let mut g = PolicyGraph::new();
        g.process_certificate(&s(&["1.1"]), true);
        g.apply_mappings(&[("1.1".into(), "2.2".into())], true);
        g.process_certificate(&s(&["2.2"]), true);
        assert_eq!(
            g.clone().user_constrained_policy_set(&set(&["1.1"])),
            set(&["1.1"])
        );
        assert!(g.user_constrained_policy_set(&set(&["2.2"])).is_empty());
    }

    #[test]
    fn any_policy_throughout_admits_the_requested_policies() {
        let mut g = PolicyGraph::new();
        g.process_certificate(&s(&[ANY_POLICY]), true);
        g.process_certificate(&s(&[ANY_POLICY]), true);
        assert_eq!(
            g.user_constrained_policy_set(&set(&["1.5", "1.6"])),
            set(&["1.5", "1.6"])
        );
    }

    #[test]
    fn unmatched_policy_empties_the_graph() {
        let mut g = PolicyGraph::new();
        g.process_certificate(&s(&["1.1"]), true);
        g.process_certificate(&s(&["1.2"]), true);
        assert!(g.is_null());
        let mut g = PolicyGraph::new();
        g.process_certificate(&s(&["1.1"]), true);
        g.apply_mappings(&[("1.1".into(), "1.2".into())], false);
        assert!(g.is_null());
    }
}
