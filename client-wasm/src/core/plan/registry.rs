//! The table of synchronized plans: one [`SyncedPlan`] per plan id, reference-counted.

use super::SyncedPlan;
use crate::core::decode::Value;

/// Every synchronized plan, reference-counted.
#[derive(Clone, Debug)]
pub struct Plans<P> {
    list: Vec<SyncedPlan<P>>,
}

impl<P> Default for Plans<P> {
    fn default() -> Self {
        Plans { list: Vec::new() }
    }
}

impl<P: Value> Plans<P> {
    /// Adds a reference; returns whether the plan is new.
    pub fn add_ref(&mut self, plan_id: &str) -> bool {
        match self.get_mut(plan_id) {
            Some(plan) => {
                plan.refs += 1;
                false
            }
            None => {
                self.list.push(SyncedPlan::new(plan_id));
                true
            }
        }
    }

    /// Drops a reference; returns whether there was one.
    pub fn release(&mut self, plan_id: &str) -> bool {
        let Some(plan) = self.get_mut(plan_id) else { return false };
        plan.refs -= 1;
        crate::core::retain(&mut self.list, |p| p.refs > 0);
        true
    }

    /// The plan `plan_id`.
    pub fn get(&self, plan_id: &str) -> Option<&SyncedPlan<P>> {
        self.list.iter().find(|p| p.plan_id == plan_id)
    }

    /// The plan `plan_id`, mutably.
    pub fn get_mut(&mut self, plan_id: &str) -> Option<&mut SyncedPlan<P>> {
        self.list.iter_mut().find(|p| p.plan_id == plan_id)
    }

    /// Every plan, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut SyncedPlan<P>> {
        self.list.iter_mut()
    }

    /// How many plans.
    pub fn count(&self) -> usize {
        self.list.len()
    }

    /// The id of the `i`th plan when its load retry is due at `now`.
    pub fn due(&self, i: usize, now: u64) -> Option<String> {
        let plan = self.list.get(i)?;
        plan.retry_at().filter(|&at| at <= now).map(|_| plan.plan_id.clone())
    }

    /// The earliest load retry due.
    pub fn next_retry(&self) -> Option<u64> {
        self.list.iter().filter_map(SyncedPlan::retry_at).min()
    }
}
