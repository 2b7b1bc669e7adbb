// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./ConditionalTokens.sol";
import "./ERC20.sol";
import "./IERC1155Receiver.sol";

/// The neg-risk adapter's wrapped collateral ("wcol"): only the adapter mints and burns it.
contract WrappedCollateral is ERC20 {
    address public immutable owner;
    ERC20 public immutable underlying;

    constructor(ERC20 underlying_) ERC20("Wrapped Collateral", "WCOL") {
        owner = msg.sender;
        underlying = underlying_;
    }

    function wrap(address to, uint256 value) external {
        require(msg.sender == owner, "WrappedCollateral: not owner");
        require(underlying.transferFrom(msg.sender, address(this), value), "WrappedCollateral: pull failed");
        _mint(to, value);
    }

    function unwrap(address to, uint256 value) external {
        _burn(msg.sender, value);
        require(underlying.transfer(to, value), "WrappedCollateral: pay failed");
    }
}

/// A NegRiskAdapter with the real redeem signature: neg-risk positions are keyed to the
/// adapter's wrapped collateral and the adapter is the CTF oracle of their conditions.
/// In the sandbox the wrapped collateral's underlying is pUSD, so a redeem pays pUSD.
contract NegRiskAdapter is ERC1155Holder {
    event PayoutRedemption(address indexed redeemer, bytes32 indexed conditionId, uint256[] amounts, uint256 payout);
    event PositionSplit(address indexed stakeholder, bytes32 indexed conditionId, uint256 amount);
    event PositionsMerge(address indexed stakeholder, bytes32 indexed conditionId, uint256 amount);

    ConditionalTokens public immutable ctf;
    ERC20 public immutable col;
    WrappedCollateral public immutable wcol;
    address public immutable admin;

    constructor(ConditionalTokens ctf_, ERC20 collateral_) {
        ctf = ctf_;
        col = collateral_;
        wcol = new WrappedCollateral(collateral_);
        admin = msg.sender;
        collateral_.approve(address(wcol), type(uint256).max);
        wcol.approve(address(ctf_), type(uint256).max);
    }

    function getConditionId(bytes32 questionId) public view returns (bytes32) {
        return ctf.getConditionId(address(this), questionId, 2);
    }

    function getPositionId(bytes32 conditionId, bool outcome) public view returns (uint256) {
        return ctf.getPositionId(address(wcol), ctf.getCollectionId(bytes32(0), conditionId, outcome ? 1 : 2));
    }

    /// Sandbox stand-in for the real market/question bookkeeping: the admin prepares a question.
    function prepareCondition(bytes32 questionId) external returns (bytes32) {
        require(msg.sender == admin, "NegRiskAdapter: not admin");
        ctf.prepareCondition(address(this), questionId, 2);
        return getConditionId(questionId);
    }

    /// The admin reports a question's outcome: YES pays [1, 0], NO pays [0, 1] (never 50-50).
    function reportOutcome(bytes32 questionId, bool outcome) external {
        require(msg.sender == admin, "NegRiskAdapter: not admin");
        uint256[] memory payouts = new uint256[](2);
        payouts[outcome ? 0 : 1] = 1;
        ctf.reportPayouts(questionId, payouts);
    }

    function splitPosition(bytes32 conditionId, uint256 amount) external {
        require(col.transferFrom(msg.sender, address(this), amount), "NegRiskAdapter: pull failed");
        wcol.wrap(address(this), amount);
        ctf.splitPosition(address(wcol), bytes32(0), conditionId, _partition(), amount);
        uint256[] memory ids = _positionIds(conditionId);
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = amount;
        amounts[1] = amount;
        ctf.safeBatchTransferFrom(address(this), msg.sender, ids, amounts, "");
        emit PositionSplit(msg.sender, conditionId, amount);
    }

    function mergePositions(bytes32 conditionId, uint256 amount) external {
        uint256[] memory ids = _positionIds(conditionId);
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = amount;
        amounts[1] = amount;
        ctf.safeBatchTransferFrom(msg.sender, address(this), ids, amounts, "");
        ctf.mergePositions(address(wcol), bytes32(0), conditionId, _partition(), amount);
        wcol.unwrap(msg.sender, amount);
        emit PositionsMerge(msg.sender, conditionId, amount);
    }

    /// Pulls `amounts` [yes, no] from the caller, redeems them on the CTF and pays the caller.
    function redeemPositions(bytes32 _conditionId, uint256[] calldata _amounts) external {
        require(_amounts.length == 2, "NegRiskAdapter: two amounts");
        uint256[] memory ids = _positionIds(_conditionId);
        ctf.safeBatchTransferFrom(msg.sender, address(this), ids, _amounts, "");
        ctf.redeemPositions(address(wcol), bytes32(0), _conditionId, _partition());
        uint256 payout = wcol.balanceOf(address(this));
        if (payout > 0) wcol.unwrap(msg.sender, payout);
        emit PayoutRedemption(msg.sender, _conditionId, _amounts, payout);
    }

    function _positionIds(bytes32 conditionId) private view returns (uint256[] memory ids) {
        ids = new uint256[](2);
        ids[0] = getPositionId(conditionId, true);
        ids[1] = getPositionId(conditionId, false);
    }

    function _partition() private pure returns (uint256[] memory partition) {
        partition = new uint256[](2);
        partition[0] = 1;
        partition[1] = 2;
    }
}
