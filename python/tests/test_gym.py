"""cirrus.gym: Gymnasium's checker, baselines reproduced through the env, determinism,
reward accounting, masks, and the vector env."""

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
from gymnasium.utils.env_checker import check_env  # noqa: E402

import cirrus  # noqa: E402
from cirrus.gym import PlacementEnv, PlacementVectorEnv  # noqa: E402

SMALL = "scenarios/failures/exponential.toml"  # 20 hosts, 40 VMs, a week with failures
LR_MMT = "scenarios/planetlab-20110303-lr-mmt.toml"  # 800 hosts, 1052 VMs, consolidation
HOUR = {"simulation.duration_s": 3600.0}


def play(env, choose, seed=None):
    """One episode; returns rewards, the decisions' kinds and the last info."""
    obs, info = env.reset(seed=seed)
    rewards, kinds, terms = [], [], []
    while True:
        kinds.append(info["kind"])
        obs, reward, terminated, truncated, info = env.step(choose(obs, info))
        rewards.append(reward)
        terms.append(info["reward_terms"])
        if terminated or truncated:
            return rewards, kinds, terms, info


def test_passes_gymnasiums_checker():
    env = PlacementEnv(SMALL)
    check_env(env, skip_render_check=True)
    env.close()


def test_playing_the_baseline_reproduces_cirrus_run():
    """PABFD decides initial placement and LR-MMT's destinations: through the env, the
    episode is the run — every summary number equal."""
    env = PlacementEnv(LR_MMT, set=HOUR)
    rewards, kinds, terms, info = play(env, lambda obs, info: info["baseline_action"])
    assert kinds.count("placement") == 1052 and kinds.count("consolidation") > 100, "both kinds reached"
    assert info["summary"] == cirrus.run(cirrus.load(LR_MMT, set=HOUR)).summary


def test_reward_terms_add_up_to_the_summary():
    env = PlacementEnv(LR_MMT, set=HOUR, w_energy=2.0, w_sla=0.5, w_migrations=0.1, w_rejections=3.0)
    # Postpone every tenth VM at placement: rejections.
    rewards, kinds, terms, info = play(
        env, lambda obs, info: env.action_space.n - 1 if info["kind"] == "placement" and info["vm"] % 10 == 0 else info["baseline_action"]
    )
    s = info["summary"]
    total = {k: sum(t[k] for t in terms) for k in terms[0]}
    assert total["energy_kwh"] == pytest.approx(s["energy_kwh"], rel=1e-9)
    assert total["migrations"] == s["migrations"] > 0
    assert total["rejections"] == 106 == s["vms"] - s["vms_placed"]
    assert total["sla_unserved_kmips_h"] > 0
    weighted = -(2.0 * total["energy_kwh"] + 0.5 * total["sla_unserved_kmips_h"] + 0.1 * total["migrations"] + 3.0 * total["rejections"])
    assert sum(rewards) == pytest.approx(weighted, rel=1e-9)


def test_same_seed_and_actions_give_the_same_episode():
    def random_valid(seed):
        rng = np.random.default_rng(seed)
        return lambda obs, info: int(rng.choice(np.flatnonzero(info["action_mask"])))

    env = PlacementEnv(SMALL)
    a = play(env, random_valid(1), seed=5)
    b = play(env, random_valid(1), seed=5)
    c = play(env, random_valid(1), seed=6)
    assert a[0] == b[0] and a[3]["summary"] == b[3]["summary"]
    assert a[3]["summary"] != c[3]["summary"]


def test_masked_actions_postpone_or_raise():
    env = PlacementEnv(SMALL)
    obs, info = env.reset()
    # First fit fills host 0 (8 VMs fill its link), which is then masked out.
    while not (~env.action_masks()).any():
        obs, reward, terminated, truncated, info = env.step(info["baseline_action"])
        assert not terminated
    masked = np.flatnonzero(~env.action_masks())
    obs, reward, terminated, truncated, info = env.step(int(masked[0]))
    assert info["invalid_action"] and info["reward_terms"]["rejections"] == 1
    env.strict = True
    with pytest.raises(ValueError, match="masked out"):
        env.step(int(masked[0]))


def test_vector_env_matches_single_envs():
    n = 3
    venv = PlacementVectorEnv(SMALL, n)
    obs, infos = venv.reset(seed=10)
    singles = [PlacementEnv(SMALL) for _ in range(n)]
    single_obs = [env.reset(seed=10 + i)[0] for i, env in enumerate(singles)]
    for i in range(n):
        assert np.array_equal(obs["hosts"][i], single_obs[i]["hosts"])
    ends = 0
    for _ in range(200):
        actions = [int(infos["baseline_action"][i]) for i in range(n)]
        obs, rewards, terminated, truncated, infos = venv.step(actions)
        for i, env in enumerate(singles):
            if env._mask.any():
                o, r, t, _, _ = env.step(actions[i])
                assert r == rewards[i] and t == terminated[i]
                if not t:
                    assert np.array_equal(o["hosts"], obs["hosts"][i])
        ends += int(terminated.sum())
    assert venv.action_masks().shape == (n, 21)
    venv.close()


def test_random_masked_policy_never_takes_an_invalid_action():
    """Sampling among the masked-in actions: never flagged invalid, and every host chosen at
    placement really receives the VM (the mask promised it could)."""
    env = PlacementEnv(SMALL)
    rng = np.random.default_rng(7)
    obs, info = env.reset(seed=3)
    placed_on_chosen = postponed = 0
    while True:
        action = int(rng.choice(np.flatnonzero(env.action_masks())))
        vm, kind = info["vm"], info["kind"]
        obs, reward, terminated, truncated, info = env.step(action)
        assert not info["invalid_action"]
        if terminated:
            break
        if action == env.action_space.n - 1:
            postponed += 1
        elif kind == "placement" and info["vm"] != vm:
            # The next observation shows the VM on the chosen host (a later event may move it).
            row = obs["vms"][vm]
            assert row[2] == 1.0 and round(float(row[3]) * 20) == action
            placed_on_chosen += 1
    assert placed_on_chosen > 20 and postponed > 0, (placed_on_chosen, postponed)


# The README's default mode: the paper's PABFD and no VM moved twice in a round.
DEFAULT_MODE = {f"cloudsim_quirks.{q}": False for q in ("empty_overload_targets", "pabfd_last_step_power", "pabfd_float_ties")}


def test_consolidation_env_passes_gymnasiums_checker():
    from cirrus.gym import ConsolidationEnv

    env = ConsolidationEnv(LR_MMT, set=HOUR | DEFAULT_MODE, budget=20)
    check_env(env, skip_render_check=True)


def test_consolidation_env_playing_lr_mmt_reproduces_cirrus_run():
    """The whole default-mode LR-MMT day, every move the consolidation's own: energy,
    migrations and every other summary number equal to cirrus.run's."""
    from cirrus.gym import ConsolidationEnv

    env = ConsolidationEnv(LR_MMT, set=DEFAULT_MODE)
    obs, info = env.reset()
    moves = ends = 0
    while True:
        action = info["baseline_action"]
        if action[0] == env.action_space.nvec[0] - 1:
            ends += 1
        else:
            moves += 1
            assert env.action_masks()[action[0]] and env.action_masks()[len(info["action_mask"]) - env.action_space.nvec[1] + action[1]]
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated:
            break
        assert not info["invalid_action"]
    run = cirrus.run(cirrus.load(LR_MMT, set=DEFAULT_MODE)).summary
    assert info["summary"] == run
    assert (round(run["energy_kwh"], 2), run["migrations"]) == (133.99, 27_562)  # the README's default mode
    assert moves == run["migrations"] and ends >= 287


def test_consolidation_env_agent_moves_and_budget():
    """A random masked agent under a budget of 3: never more than 3 moves a round, invalid
    pairs change nothing, and the run completes with its own (different) result."""
    from cirrus.gym import ConsolidationEnv

    env = ConsolidationEnv(LR_MMT, set=HOUR | DEFAULT_MODE, budget=3)
    rng = np.random.default_rng(2)
    obs, info = env.reset()
    invalid = budget_ends = 0
    nv = env.action_space.nvec[0]
    while True:
        mask = env.action_masks()
        movable, hosts = np.flatnonzero(mask[:nv]), np.flatnonzero(mask[nv:])
        vm = int(rng.choice(movable)) if rng.random() < 0.7 else nv - 1
        before = info["budget_left"]
        host = int(rng.choice(hosts))
        if vm < nv - 1 and rng.random() < 0.2:
            host = int(round(float(obs["vms"][vm, 3]) * len(hosts)))  # its own host: invalid
        obs, reward, terminated, truncated, info = env.step((vm, host))
        if terminated:
            break
        assert 1 <= info["budget_left"] <= 3
        invalid += info["invalid_action"]
        moved = vm != nv - 1 and not info["invalid_action"]
        if moved and before > 1:
            assert info["budget_left"] == before - 1
        if moved and before == 1:
            assert info["budget_left"] == 3, "the third move ends the round"
            budget_ends += 1
    assert budget_ends > 0 and invalid > 0, (budget_ends, invalid)
    assert info["summary"]["migrations"] > 0
