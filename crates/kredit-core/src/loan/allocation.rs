//! Splitting a payment over what is owed, in the product's order.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::product::{AllocationOrder, Component};

/// An amount per component: what is owed, paid or allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    pub penalty: Money,
    pub fee: Money,
    pub interest: Money,
    pub principal: Money,
}

impl Parts {
    pub fn get(&self, component: Component) -> Money {
        match component {
            Component::Penalty => self.penalty,
            Component::Fee => self.fee,
            Component::Interest => self.interest,
            Component::Principal => self.principal,
        }
    }

    pub fn get_mut(&mut self, component: Component) -> &mut Money {
        match component {
            Component::Penalty => &mut self.penalty,
            Component::Fee => &mut self.fee,
            Component::Interest => &mut self.interest,
            Component::Principal => &mut self.principal,
        }
    }

    pub fn total(&self) -> Money {
        Money::from_fen(
            self.penalty.fen() + self.fee.fen() + self.interest.fen() + self.principal.fen(),
        )
    }

    /// Component-wise `self − other`.
    pub fn minus(&self, other: &Parts) -> Parts {
        let mut out = *self;
        for component in COMPONENTS {
            *out.get_mut(component) =
                Money::from_fen(self.get(component).fen() - other.get(component).fen());
        }
        out
    }

    pub fn add(&mut self, other: &Parts) {
        for component in COMPONENTS {
            let sum = self.get(component).fen() + other.get(component).fen();
            *self.get_mut(component) = Money::from_fen(sum);
        }
    }
}

pub(crate) const COMPONENTS: [Component; 4] = [
    Component::Penalty,
    Component::Fee,
    Component::Interest,
    Component::Principal,
];

/// Something a payment can settle: what it owes and what is paid of it.
pub(crate) trait Payable {
    fn owed(&self) -> Parts;
    fn paid_mut(&mut self) -> &mut Parts;
    fn paid(&self) -> Parts;
}

/// Pays up to `available` into `items` (already oldest first) in `order`;
/// returns what went to each component. Never pays more than is owed.
pub(crate) fn allocate<P: Payable>(
    items: &mut [P],
    order: &AllocationOrder,
    available: Money,
) -> Parts {
    let mut left = available.fen();
    let mut allocated = Parts::default();
    let mut pay = |item: &mut P, component: Component, left: &mut i64| {
        let outstanding = item.owed().get(component).fen() - item.paid().get(component).fen();
        let amount = outstanding.min(*left);
        if amount > 0 {
            let paid = item.paid_mut().get_mut(component);
            *paid = Money::from_fen(paid.fen() + amount);
            let total = allocated.get_mut(component);
            *total = Money::from_fen(total.fen() + amount);
            *left -= amount;
        }
    };
    if order.installment_first {
        for item in items.iter_mut() {
            for component in order.components {
                pay(item, component, &mut left);
            }
        }
    } else {
        for component in order.components {
            for item in items.iter_mut() {
                pay(item, component, &mut left);
            }
        }
    }
    allocated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Due {
        owed: Parts,
        paid: Parts,
    }

    impl Payable for Due {
        fn owed(&self) -> Parts {
            self.owed
        }
        fn paid_mut(&mut self) -> &mut Parts {
            &mut self.paid
        }
        fn paid(&self) -> Parts {
            self.paid
        }
    }

    fn due(penalty: i64, fee: i64, interest: i64, principal: i64) -> Due {
        Due {
            owed: Parts {
                penalty: Money::from_fen(penalty),
                fee: Money::from_fen(fee),
                interest: Money::from_fen(interest),
                principal: Money::from_fen(principal),
            },
            paid: Parts::default(),
        }
    }

    #[test]
    fn vertical_settles_the_oldest_instalment_first() {
        let mut items = [due(10, 0, 100, 1000), due(0, 0, 90, 1000)];
        let got = allocate(
            &mut items,
            &AllocationOrder::default(),
            Money::from_fen(1200),
        );
        assert_eq!(items[0].paid.total(), Money::from_fen(1110));
        assert_eq!(items[1].paid.interest, Money::from_fen(90));
        assert_eq!(got.total(), Money::from_fen(1200));
    }

    #[test]
    fn horizontal_settles_a_component_across_instalments_first() {
        let order = AllocationOrder {
            installment_first: false,
            ..AllocationOrder::default()
        };
        let mut items = [due(10, 0, 100, 1000), due(0, 0, 90, 1000)];
        let got = allocate(&mut items, &order, Money::from_fen(300));
        assert_eq!(got.penalty, Money::from_fen(10));
        assert_eq!(got.interest, Money::from_fen(190));
        assert_eq!(got.principal, Money::from_fen(100));
    }

    #[test]
    fn never_pays_more_than_owed() {
        let mut items = [due(0, 5, 5, 5)];
        let got = allocate(
            &mut items,
            &AllocationOrder::default(),
            Money::from_fen(1000),
        );
        assert_eq!(got.total(), Money::from_fen(15));
    }
}
