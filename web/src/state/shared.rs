//! What the page's states share: the one running simulation, compared by generation, and
//! large values compared by identity — so `AppState` stays plain data that derives
//! `PartialEq` without copying a world or comparing a snapshot field by field.

use replica_core::scenario::Simulation;
use std::cell::RefCell;
use std::rc::Rc;

/// The running simulation, shared by the states the reducer makes from one another. The
/// reducer advances it in place — copying a world every frame would cost more than the
/// frame — and every change through [`SimulationHandle::borrow_mut`] bumps its
/// generation, which is what two states compare: a state is equal to another only if it
/// shows the same simulation at the same generation.
#[derive(Clone)]
pub struct SimulationHandle {
    generation: u64,
    cell: Rc<RefCell<Box<dyn Simulation>>>,
}

impl PartialEq for SimulationHandle {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation && Rc::ptr_eq(&self.cell, &other.cell)
    }
}

impl SimulationHandle {
    pub(super) fn new(simulation: Box<dyn Simulation>) -> Self {
        Self { generation: 0, cell: Rc::new(RefCell::new(simulation)) }
    }

    /// Reads the simulation.
    pub fn borrow(&self) -> std::cell::Ref<'_, Box<dyn Simulation>> {
        self.cell.borrow()
    }

    /// Changes the simulation: a new generation.
    pub(super) fn borrow_mut(&mut self) -> std::cell::RefMut<'_, Box<dyn Simulation>> {
        self.generation += 1;
        self.cell.borrow_mut()
    }

    /// The shared simulation, for components that draw from it on their own redraw turn.
    pub fn shared(&self) -> Rc<RefCell<Box<dyn Simulation>>> {
        Rc::clone(&self.cell)
    }

    /// How many times it has changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// A value states share until one changes it, equal by identity: the reducer changes a copy
/// of the state, so [`Shared::make_mut`] on a value the old state still holds makes a new
/// one — comparing two states costs nothing per field, however large the value.
#[derive(Debug, Default)]
pub struct Shared<T>(Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Shared<T> {
    /// A new value.
    pub fn new(value: T) -> Self {
        Shared(Rc::new(value))
    }

    /// The value, for a component's properties.
    pub fn rc(&self) -> Rc<T> {
        Rc::clone(&self.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The value to change: a copy of it while another state still shares it.
    pub fn make_mut(&mut self) -> &mut T {
        Rc::make_mut(&mut self.0)
    }
}
