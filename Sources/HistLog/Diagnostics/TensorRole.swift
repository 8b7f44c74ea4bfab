/// What a logged tensor is in the model, read from its key. The doctor applies each rule only to
/// the roles it makes sense for (gradient scale rules to gradients, dead units to activations, ...).
///
/// A key's role is decided by its first folder (a `/`-separated component other than the last)
/// that names a role, compared case-insensitively:
///
/// | role | component |
/// | --- | --- |
/// | `.parameter` | `parameters`, `params`, `param`, `weights`, `weight` |
/// | `.gradient` | `gradients`, `gradient`, `grads`, `grad` |
/// | `.activation` | `activations`, `activation`, `acts` |
///
/// `Parameters/fc1.weight` and `Gradients/fc1.weight` (what `histlog.watch` and seed
/// TensorBoard scripts log), `Activations/fc1` (`histlog.watch_activations`), `weights/layer1`,
/// `train/grads/fc1` all classify; `loss_terms/fc1` is `.other` and only the NaN/Inf rule sees it.
/// Only whole folders match: `weight_decay/x` and `fc1/weight` are `.other`.
public enum TensorRole: String, Sendable, CaseIterable {
    case parameter
    case gradient
    case activation
    case other

    private static let names: [(String, TensorRole)] = [
        ("parameters", .parameter), ("params", .parameter), ("param", .parameter),
        ("weights", .parameter), ("weight", .parameter),
        ("gradients", .gradient), ("gradient", .gradient), ("grads", .gradient), ("grad", .gradient),
        ("activations", .activation), ("activation", .activation), ("acts", .activation),
    ]

    /// The role of `key` (see the type's documentation for the rule).
    public init(key: String) {
        self = Self.classify(key).role
    }

    /// The role of `key` and the tensor's name without the role folder:
    /// `Gradients/fc1.weight` -> (`.gradient`, `fc1.weight`); `train/grads/fc1` -> (`.gradient`, `train/fc1`).
    /// Parameters and gradients of one tensor share the name. For `.other` the name is the key.
    public static func classify(_ key: String) -> (role: TensorRole, name: String) {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        for index in components.indices.dropLast() {
            let lowered = components[index].lowercased()
            if let match = names.first(where: { $0.0 == lowered }) {
                var rest = components
                rest.remove(at: index)
                return (match.1, rest.joined(separator: "/"))
            }
        }
        return (.other, key)
    }
}
